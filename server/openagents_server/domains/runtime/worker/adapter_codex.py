"""Drives ``codex app-server``: JSON-RPC 2.0 messages, one JSON object per line on stdin/stdout.

Requests used: ``initialize`` (then the ``initialized`` notification), ``thread/start`` → ``{thread: {id}}``,
``turn/start`` ``{threadId, input: [{type: "text", text}]}`` → ``{turn: {id}}``, ``turn/interrupt``
``{threadId, turnId}``. Notifications read: ``item/agentMessage/delta`` ``{threadId, turnId, itemId,
delta}`` and ``turn/completed`` ``{threadId, turn: {id, status}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shlex
from collections.abc import AsyncIterator
from typing import Any

from openagents_server.domains.runtime.worker.adapters import AdapterError


class CodexAdapter:
    name = "codex"

    def __init__(self, command: str) -> None:
        self.command = shlex.split(command)
        self.proc: asyncio.subprocess.Process | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.turns: dict[str, asyncio.Queue[dict[str, Any] | None]] = {}
        self.active_turn: dict[str, str] = {}
        self.reader: asyncio.Task[None] | None = None

    async def _ensure(self) -> None:
        if self.proc is not None:
            return
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=16 * 1024 * 1024)
        except OSError as exc:
            raise AdapterError("codex_unavailable", f"cannot start {self.command[0]}: {exc}") from None
        self.reader = asyncio.create_task(self._read())
        await self._call("initialize", {"clientInfo": {"name": "openagents-worker", "version": "1"}})
        await self._send({"method": "initialized"})

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", **message}).encode() + b"\n")
        await self.proc.stdin.drain()

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        request_id = next(self.ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self._send({"id": request_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 60)

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "id" in message and ("result" in message or "error" in message):
                future = self.pending.pop(message["id"], None)
                if future is not None and not future.done():
                    if "error" in message:
                        error = message["error"] or {}
                        future.set_exception(AdapterError("codex_error", str(error.get("message", error))))
                    else:
                        future.set_result(message["result"])
            elif "method" in message:
                params = message.get("params") or {}
                queue = self.turns.get(params.get("threadId", ""))
                if queue is not None:
                    queue.put_nowait(message)
        for future in self.pending.values():
            if not future.done():
                future.set_exception(AdapterError("codex_exited", "codex app-server exited"))
        for queue in self.turns.values():
            queue.put_nowait(None)

    async def start_thread(self) -> str:
        await self._ensure()
        result = await self._call("thread/start", {})
        return str(result["thread"]["id"])

    async def turn(self, thread_id: str, text: str) -> AsyncIterator[str]:
        await self._ensure()
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.turns[thread_id] = queue
        try:
            result = await self._call("turn/start", {"threadId": thread_id, "input": [{"type": "text", "text": text}]})
            self.active_turn[thread_id] = str((result.get("turn") or {}).get("id", ""))
            while (message := await queue.get()) is not None:
                params = message.get("params") or {}
                if message["method"] == "item/agentMessage/delta":
                    yield str(params.get("delta", ""))
                elif message["method"] == "turn/completed":
                    status = (params.get("turn") or {}).get("status", "completed")
                    if status == "failed":
                        raise AdapterError("codex_turn_failed", str((params.get("turn") or {}).get("error", "failed")))
                    return
            raise AdapterError("codex_exited", "codex app-server exited mid-turn")
        finally:
            self.turns.pop(thread_id, None)
            self.active_turn.pop(thread_id, None)

    async def interrupt(self, thread_id: str) -> None:
        turn_id = self.active_turn.get(thread_id)
        if turn_id and self.proc is not None:
            await self._call("turn/interrupt", {"threadId": thread_id, "turnId": turn_id})

    async def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.proc.wait(), 5)
        if self.reader is not None:
            self.reader.cancel()
