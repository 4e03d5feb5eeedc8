"""A small HTTP proxy in front of a live server that answers chosen API calls itself (429, 5xx).

Plain asyncio on its own thread. Each client connection carries one request: the proxy reads its
head and body, and either answers from a matching :class:`Rule` (the error envelope, ``connection:
close``) or forwards it upstream with ``connection: close`` and copies the answer back. A WebSocket
upgrade is forwarded and then piped both ways, so the live socket goes through the proxy too.
Every request is recorded (method, path, idempotency key, what was answered) for the test to check.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field

from tests.support.servers import free_port

REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class Rule:
    method: str
    path: str  # a prefix of the request path (query excluded)
    status: int
    retry_after: int | None = None
    times: int | None = None  # None: until cleared
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and path.split("?", 1)[0].startswith(self.path) \
            and (self.times is None or self.hits < self.times)

    def answer(self) -> bytes:
        code = "rate_limited" if self.status == 429 else "unavailable"
        message = "Too many requests." if self.status == 429 else "The service is unavailable. Try again shortly."
        error: dict[str, object] = {"code": code, "message": message}
        if self.retry_after is not None:
            error["retry_after"] = self.retry_after
        body = json.dumps({"message": message, "error": error}).encode()
        extra = f"retry-after: {self.retry_after}\r\n" if self.retry_after is not None else ""
        return (f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Error')}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\n{extra}connection: close\r\n\r\n").encode() + body


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    injected: int | None  # the status the proxy answered with, or None (forwarded)


@dataclass
class FaultProxy:
    upstream_port: int
    port: int = field(default_factory=free_port)
    rules: list[Rule] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="fault-proxy")
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- the test's controls --------------------------------------------------------------------
    def inject(self, method: str, path: str, status: int, *, retry_after: int | None = None,
               times: int | None = None) -> Rule:
        rule = Rule(method.upper(), path, status, retry_after, times)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def requests(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method and s.path.split("?", 1)[0] == path]

    def start(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:  # the sockets still piped (a live page's WebSocket)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    # ---- the proxy --------------------------------------------------------------------------------
    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    def _match(self, method: str, path: str, key: str | None) -> Rule | None:
        with self._lock:
            rule = next((r for r in self.rules if r.matches(method, path)), None)
            if rule is not None:
                rule.hits += 1
            self.seen.append(Seen(method, path, key, rule.status if rule else None))
            return rule

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            first, *lines = head[:-4].decode("latin-1").split("\r\n")
            method, target, _version = first.split(" ", 2)
            headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines if ":" in line]
            names = {name.lower(): value for name, value in headers}
            body = await reader.readexactly(int(names.get("content-length", "0") or 0))
            rule = self._match(method, target, names.get("idempotency-key"))
            if rule is not None:
                writer.write(rule.answer())
                await writer.drain()
                return
            upgrade = names.get("upgrade", "").lower() == "websocket"
            kept = [(n, v) for n, v in headers if upgrade or n.lower() not in ("connection", "keep-alive")]
            if not upgrade:
                kept.append(("connection", "close"))
            up_reader, upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            upstream.write(f"{first}\r\n".encode("latin-1")
                           + "".join(f"{n}: {v}\r\n" for n, v in kept).encode("latin-1") + b"\r\n" + body)
            await upstream.drain()
            if upgrade:
                await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
                return
            answer_head = await up_reader.readuntil(b"\r\n\r\n")
            status_line, *answer_lines = answer_head[:-4].decode("latin-1").split("\r\n")
            answer_lines = [line for line in answer_lines
                            if line.split(":", 1)[0].strip().lower() not in ("connection", "keep-alive")]
            writer.write(("\r\n".join([status_line, *answer_lines, "connection: close"]) + "\r\n\r\n").encode("latin-1"))
            await _pipe(up_reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError, OSError):
            pass
        finally:
            for w in (upstream, writer):
                if w is not None:
                    w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass
