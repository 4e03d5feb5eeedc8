"""The worker loop: register, subscribe to ``worker:{id}:events`` over Khala, execute each
``codex.request`` once through the adapter, and report Codex notifications and the one response
through ``POST …/events``. Heartbeats every ``heartbeat_seconds``; a ``worker.stopping`` event (the
owner pressed stop) ends the loop with ``worker.stopped``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from typing import Any

import httpx
import structlog
import websockets
from openagents_proto.sync import domain as d

from openagents_server.domains.runtime.worker.adapters import Adapter, AdapterError
from openagents_server.khala import codec

BASE = "/api/runtime/codex/workers"
SCOPE = "runtime.codex_worker_events"
_log = structlog.get_logger("openagents.worker")


class ApiError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:300]}")
        self.status = status
        self.body = body


class Worker:
    def __init__(self, base_url: str, token: str, adapter: Adapter, *, worker_id: str | None = None,
                 heartbeat_seconds: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.adapter = adapter
        self.worker_id = worker_id
        self.heartbeat_seconds = heartbeat_seconds
        self.http = httpx.AsyncClient(base_url=self.base_url, headers={"authorization": f"Bearer {token}"}, timeout=30)
        self.seen: set[str] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.interrupted: set[str] = set()
        self.threads: list[str] = []
        self.stopped = asyncio.Event()
        self.ready = asyncio.Event()

    async def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = await self.http.request(method, path, json=body)
        if response.status_code >= 300:
            raise ApiError(response.status_code, response.text)
        return response.json()["data"]

    async def events(self, *batch: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", f"{BASE}/{self.worker_id}/events", {"events": list(batch)})

    async def register(self) -> str:
        body: dict[str, Any] = {"adapter": self.adapter.name}
        if self.worker_id:
            body["worker_id"] = self.worker_id
        for attempt in range(120):  # the server may still be starting (``openagents serve`` starts us with it)
            try:
                self.worker_id = (await self._call("POST", BASE, body))["worker"]["worker_id"]
                return self.worker_id
            except httpx.TransportError:
                if attempt == 119:
                    raise
                await asyncio.sleep(0.5)
        raise AssertionError("unreachable")

    async def run(self) -> None:
        await self.register()
        topic = f"worker:{self.worker_id}:events"
        head = (await self._call("GET", f"{BASE}/{self.worker_id}/stream"))["khala"]["head_seq"]
        beat = asyncio.create_task(self._heartbeats())
        try:
            while not self.stopped.is_set():
                try:
                    head = await self._follow(topic, head)
                except (TimeoutError, OSError, websockets.ConnectionClosed) as exc:
                    _log.warning("worker_khala_reconnect", error=str(exc))
                    await asyncio.sleep(1)
                except ApiError as exc:
                    if exc.status not in (429, 503):
                        raise
                    _log.warning("worker_khala_retry", error=str(exc))
                    await asyncio.sleep(5)
        finally:
            beat.cancel()
            for task in list(self.tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await self.events({"event_type": "worker.stopped", "payload": {"reason": "worker_exit"}})
            await self.adapter.close()
            await self.http.aclose()

    async def _heartbeats(self) -> None:
        while not self.stopped.is_set():
            try:
                await self.events({"event_type": "worker.heartbeat"})
            except ApiError as exc:
                if exc.status == 409:  # stopped by its owner: this process is done
                    self.stopped.set()
                    return
                _log.warning("worker_heartbeat_failed", error=str(exc))
            except httpx.HTTPError as exc:
                _log.warning("worker_heartbeat_failed", error=str(exc))
            await asyncio.sleep(self.heartbeat_seconds)

    async def _follow(self, topic: str, after: int) -> int:
        minted = await self._call("POST", "/api/sync/token", {"scopes": [SCOPE], "topics": [topic], "ttl_seconds": 900})
        ws_url = self.base_url.replace("http", "ws", 1) + "/sync/socket"
        async with websockets.connect(ws_url, subprotocols=["khala.ws.v1"], max_size=None,  # type: ignore[list-item]
                                      ping_interval=None, open_timeout=10) as ws:
            await ws.send(codec.encode_client(d.Hello(sync_token=minted["token"], client_build_id="openagents-worker/1",
                                                      protocol_version="khala.ws.v1", schema_version=1)))
            hello = codec.decode_server(await asyncio.wait_for(ws.recv(), 10)).message  # type: ignore[arg-type]
            if not isinstance(hello, d.HelloOk):
                retryable = isinstance(hello, d.SyncError) and hello.retryable
                raise ApiError(429 if retryable else 401, f"khala refused: {hello}")
            await ws.send(codec.encode_client(d.Subscribe(
                topics=(topic,), request_id="w1", resume_after=(d.TopicCursor(topic=topic, watermark=after),))))
            deadline = min(840.0, (hello.token_expires_at_unix_ms / 1000) - __import__("time").time() - 30) \
                if hello.token_expires_at_unix_ms else 840.0
            loop = asyncio.get_running_loop()
            until = loop.time() + max(30.0, deadline)
            heartbeat = max(1.0, hello.heartbeat_interval_ms / 1000 / 2)
            while not self.stopped.is_set() and loop.time() < until:
                try:
                    data = await asyncio.wait_for(ws.recv(), heartbeat)
                except TimeoutError:
                    await ws.send(codec.encode_client(d.Heartbeat()))
                    continue
                message = codec.decode_server(data).message  # type: ignore[arg-type]
                if isinstance(message, d.Subscribed):
                    self.ready.set()
                elif isinstance(message, d.UpdateBatch):
                    for update in message.updates:
                        if update.watermark > after:
                            after = update.watermark
                            self._on_event(json.loads(update.payload))
                elif isinstance(message, d.SyncError):
                    raise ApiError(409, f"khala: {message.code} {message.message}")
        return after

    def _on_event(self, payload: dict[str, Any]) -> None:
        kind = payload.get("type")
        if kind == "codex.request":
            request_id = payload["request_id"]
            if request_id in self.seen:  # delivered again (reconnect): executed once
                return
            self.seen.add(request_id)
            task = asyncio.create_task(self._execute(request_id, payload["method"], payload.get("params") or {}))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif kind == "worker.stopping" or (kind == "worker.stopped" and payload.get("status") == "stopped"):
            self.stopped.set()

    async def _execute(self, request_id: str, method: str, params: dict[str, Any]) -> None:
        reporter = _Reporter(self, request_id)
        try:
            result = await self._dispatch(reporter, method, params)
            await reporter.finish({"ok": True, "result": result})
        except AdapterError as exc:
            await reporter.finish({"ok": False, "error": {"code": exc.code, "message": str(exc)}})
        except ApiError as exc:
            _log.info("worker_request_refused", request_id=request_id, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - one request's failure is reported, not fatal
            _log.exception("worker_request_failed", request_id=request_id)
            with contextlib.suppress(Exception):
                await reporter.finish({"ok": False, "error": {"code": "worker_error", "message": str(exc)[:500]}})

    async def _dispatch(self, reporter: _Reporter, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "thread/start":
            thread_id = await self.adapter.start_thread()
            self.threads.append(thread_id)
            reporter.notify("thread/started", {"thread_id": thread_id})
            return {"thread_id": thread_id}
        if method in ("thread/resume", "thread/read"):
            return {"thread_id": params["thread_id"]}
        if method == "thread/list":
            return {"thread_ids": list(self.threads)}
        if method == "turn/interrupt":
            self.interrupted.add(params["thread_id"])
            await self.adapter.interrupt(params["thread_id"])
            return {"thread_id": params["thread_id"]}
        if method == "turn/start":
            thread_id = params["thread_id"]
            self.interrupted.discard(thread_id)
            ids = {"thread_id": thread_id, "turn_id": f"turn_{secrets.token_hex(6)}"}
            item = {**ids, "item_id": f"item_{secrets.token_hex(6)}"}
            reporter.notify("turn/started", {**ids, "model": self.adapter.name})
            reporter.notify("item/started", {**item, "item_kind": "agent_message"})
            async for delta in self.adapter.turn(thread_id, params["text"]):
                reporter.notify("item/agentMessage/delta", {**item, "delta": delta})
            status = "interrupted" if thread_id in self.interrupted else "completed"
            reporter.notify("item/completed", {**item, "item_kind": "agent_message", "item_status": status})
            reporter.notify("turn/completed", {**ids, "status": status})
            return {"turn_id": ids["turn_id"], "turn_status": status}
        raise AdapterError("unknown_method", f"this worker does not execute {method}")


class _Reporter:
    """Sends one request's events in order; deltas that pile up while a POST is in flight go together."""

    def __init__(self, worker: Worker, request_id: str) -> None:
        self.worker = worker
        self.request_id = request_id
        self.queue: list[dict[str, Any]] = []
        self.count = 0
        self.wake = asyncio.Event()
        self.sender = asyncio.create_task(self._send())
        self.done = False

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.queue.append({"event_type": "codex.notification", "request_id": self.request_id,
                           "event_id": f"{self.request_id}:{self.count}", "payload": {"method": method, "params": params}})
        self.count += 1
        self.wake.set()

    async def finish(self, outcome: dict[str, Any]) -> None:
        self.queue.append({"event_type": "codex.response", "request_id": self.request_id, "payload": outcome})
        self.done = True
        self.wake.set()
        await self.sender

    async def _send(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue:
                batch, self.queue = self.queue[:200], self.queue[200:]
                await self.worker.events(*batch)
            if self.done and not self.queue:
                return
