"""A small Khala test client over the ``websockets`` library, speaking sync/v1 protobuf frames."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import websockets
from openagents_proto.sync import domain as d
from openagents_server.khala import codec, log
from openagents_server.khala.tokens import SigningKeys, mint_sync_token
from openagents_server.settings import Settings
from websockets.exceptions import ConnectionClosed

KEYS = SigningKeys.parse(Settings().sync_token_secret)
ALL_SCOPES = ("runtime.run_events", "runtime.codex_worker_summaries", "runtime.codex_worker_events",
              "notifications.read")
BUILD = "20260221T130000Z"


def token(user: str = "u1", org: str = "o1", session: str = "s1", scopes: Sequence[str] = ALL_SCOPES,
          topics: Sequence[str] = (), **kw: Any) -> str:
    return mint_sync_token(KEYS, user_id=user, org_id=org, session_id=session, device_id="d1",
                           scopes=scopes, topics=topics, **kw)[0]


class Closed(Exception):
    def __init__(self, code: int | None, reason: str, error: d.SyncError | None) -> None:
        super().__init__(f"closed {code} {reason} {error.message if error else ''}")
        self.code, self.reason, self.error = code, reason, error


class KhalaClient:
    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.last_error: d.SyncError | None = None
        self.applied: dict[str, int] = {}
        self.duplicates = 0

    @classmethod
    async def connect(cls, server_ws_url: str, *, origin: str | None = None,
                      subprotocols: Sequence[str] = ("khala.ws.v1",),
                      narrow_receive: bool = False) -> KhalaClient:
        """``narrow_receive``: a reader that buffers almost nothing (a 64 KiB kernel receive buffer, set
        before connecting so TCP autotuning cannot grow it, and one frame queued in the library). Without
        it, loopback TCP may buffer tens of MB (``tcp_rmem`` max here is 32 MiB) and a "slow" reader
        never makes the server wait."""
        extra: dict[str, Any] = {}
        if narrow_receive:
            extra["sock"] = await _narrow_socket(server_ws_url)
            extra["max_queue"] = 1
        ws = await websockets.connect(
            server_ws_url + "/sync/socket", subprotocols=list(subprotocols) or None,  # type: ignore[arg-type]
            origin=origin, max_size=None, ping_interval=None, open_timeout=10,  # type: ignore[arg-type]
            **extra,
        )
        return cls(ws)

    async def send(self, message: d.Message) -> None:
        await self.ws.send(codec.encode_client(message))

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    async def recv_frame(self, timeout: float = 5.0) -> d.Frame:
        try:
            data = await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as exc:
            raise Closed(exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else "",
                         self.last_error) from None
        frame = codec.decode_server(data)  # type: ignore[arg-type]
        if isinstance(frame.message, d.SyncError):
            self.last_error = frame.message
        return frame

    async def recv(self, timeout: float = 5.0) -> d.Message:
        return (await self.recv_frame(timeout)).message

    async def hello(self, sync_token: str | None = None, **kw: Any) -> d.HelloOk:
        fields: dict[str, Any] = {"client_build_id": BUILD, "protocol_version": "khala.ws.v1", "schema_version": 1}
        fields.update(kw)
        await self.send(d.Hello(sync_token=sync_token or token(), **fields))
        message = await self.recv()
        assert isinstance(message, d.HelloOk), message
        return message

    async def subscribe(self, topics: Sequence[str], resume_after: dict[str, int] | None = None,
                        request_id: str = "r1") -> d.Subscribed:
        await self.send(d.Subscribe(
            topics=tuple(topics), request_id=request_id,
            resume_after=tuple(d.TopicCursor(topic=t, watermark=w) for t, w in (resume_after or {}).items())))
        message = await self.recv()
        assert isinstance(message, d.Subscribed), message
        return message

    async def unsubscribe(self, topics: Sequence[str]) -> None:
        await self.send(d.Unsubscribe(topics=tuple(topics), request_id="u"))

    async def heartbeat(self) -> None:
        await self.send(d.Heartbeat())

    async def expect_close(self, timeout: float = 5.0) -> Closed:
        """Read (and drop) frames until the server closes; return the close and its ERROR frame."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                await self.recv(max(0.01, deadline - loop.time()))
            except Closed as closed:
                return closed

    def apply(self, batch: d.UpdateBatch) -> list[int]:
        """The client rule: drop seq <= last applied; returns the seqs applied."""
        applied = []
        for u in batch.updates:
            if u.watermark <= self.applied.get(u.topic, 0):
                self.duplicates += 1
                continue
            assert u.watermark == self.applied.get(u.topic, 0) + 1, f"gap: {self.applied.get(u.topic)} -> {u.watermark}"
            self.applied[u.topic] = u.watermark
            applied.append(u.watermark)
        return applied

    async def batches(self, until: dict[str, int], timeout: float = 10.0) -> list[d.UpdateBatch]:
        """Collect UPDATE_BATCH messages (applying them) until each topic's watermark reaches ``until``."""
        got: list[d.UpdateBatch] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(self.applied.get(t, 0) < s for t, s in until.items()):
            message = await self.recv(max(0.01, deadline - loop.time()))
            if isinstance(message, d.UpdateBatch):
                got.append(message)
                self.apply(message)
        return got

    async def close(self) -> None:
        await self.ws.close()


def seqs(batches: Sequence[d.UpdateBatch], topic: str | None = None) -> list[int]:
    return [u.watermark for b in batches for u in b.updates if topic is None or u.topic == topic]


async def _narrow_socket(server_ws_url: str) -> socket.socket:
    """A connected TCP socket to the server with a small, fixed receive buffer."""
    url = urlsplit(server_ws_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (url.hostname or "127.0.0.1", url.port or 80))
    return sock


async def fill(db: asyncpg.Connection, topic: str, count: int, size: int, first: int = 1) -> None:
    """``count`` events of ``size``-byte canonical JSON payloads, straight into the log (no publish
    limit: this is a backlog, not a publisher)."""
    if first == 1:
        await log.register_topic(db, topic, owner_user_id="u1")
    await db.execute(
        """
        WITH rows AS (SELECT g, convert_to('{"d":"' || repeat('x', $3) || '","n":' || g || '}', 'UTF8') AS body
                      FROM generate_series($4::bigint, $4::bigint + $2 - 1) g)
        INSERT INTO khala_events (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash)
        SELECT $1, g, 'run_events', 'upsert', 'd' || (g % 7), g, body, 'sha256:' || encode(sha256(body), 'hex')
        FROM rows
        """,
        topic, count, size, first,
    )
    await db.execute("UPDATE khala_topics SET head_seq = $2 WHERE topic = $1", topic, first + count - 1)
