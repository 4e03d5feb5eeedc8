"""A stand-in for ``codex app-server``: JSON-RPC 2.0, one JSON object per line on stdin/stdout.

``initialize`` → server info; ``thread/start`` → ``{thread: {id}}``; ``turn/start`` ``{threadId,
input}`` → ``{turn: {id, status: "inProgress"}}``, then the notifications ``turn/started``,
``item/started``, ``item/agentMessage/delta`` ×N (``echo turn N: <text>`` word by word), ``item/completed``
and ``turn/completed``; ``turn/interrupt`` ends the turn with status ``interrupted``. Text containing
``slow`` streams 200 words 20 ms apart; ``fail`` ends the turn ``failed``."""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time

lock = threading.Lock()
counter = itertools.count(1)
turns: dict[str, int] = {}
interrupted: set[str] = set()


def send(message: dict) -> None:
    with lock:
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
        sys.stdout.flush()


def run_turn(thread_id: str, turn_id: str, text: str) -> None:
    ids = {"threadId": thread_id, "turnId": turn_id}
    send({"method": "turn/started", "params": {"threadId": thread_id, "turn": {"id": turn_id}}})
    item = f"item_{next(counter)}"
    send({"method": "item/started", "params": {**ids, "item": {"id": item, "type": "agentMessage"}}})
    if "fail" in text:
        send({"method": "turn/completed", "params": {"threadId": thread_id, "turn": {
            "id": turn_id, "status": "failed", "error": {"message": "model overloaded"}}}})
        return
    words = ["slow"] * 200 if "slow" in text else f"echo turn {turns[thread_id]}: {text}".split(" ")
    status = "completed"
    for index, word in enumerate(words):
        if turn_id in interrupted:
            status = "interrupted"
            break
        send({"method": "item/agentMessage/delta", "params": {**ids, "itemId": item,
                                                               "delta": word if index == 0 else " " + word}})
        time.sleep(0.02 if "slow" in text else 0.001)
    send({"method": "item/completed", "params": {**ids, "item": {"id": item, "type": "agentMessage"}}})
    send({"method": "turn/completed", "params": {"threadId": thread_id, "turn": {"id": turn_id, "status": status}}})


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        method, params, request_id = message.get("method"), message.get("params") or {}, message.get("id")
        if method == "initialize":
            send({"id": request_id, "result": {"userAgent": "fake-codex/0"}})
        elif method == "thread/start":
            thread_id = f"thr_fake_{next(counter)}"
            turns[thread_id] = 0
            send({"id": request_id, "result": {"thread": {"id": thread_id}}})
        elif method == "turn/start":
            thread_id = params["threadId"]
            turns[thread_id] = turns.get(thread_id, 0) + 1
            turn_id = f"turn_{next(counter)}"
            send({"id": request_id, "result": {"turn": {"id": turn_id, "status": "inProgress"}}})
            text = "".join(part.get("text", "") for part in params.get("input", []))
            threading.Thread(target=run_turn, args=(thread_id, turn_id, text), daemon=True).start()
        elif method == "turn/interrupt":
            interrupted.add(params["turnId"])
            send({"id": request_id, "result": {}})
        elif request_id is not None:
            send({"id": request_id, "error": {"code": -32601, "message": f"unknown method {method}"}})


if __name__ == "__main__":
    main()
