"""One socket's protocol state machine: HELLO → SUBSCRIBE/UNSUBSCRIBE … → close.

The connection owns three tasks: the reader (frames from the client, deadlines, rate limit), the
writer (``writer.Writer``) and the heartbeat. Anything that ends the connection — a protocol error,
revocation, a slow consumer, a stale cursor — goes through ``terminate``, which sends an ERROR
frame (code, reason, whether to reconnect) and closes with the matching close code.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from openagents_proto.sync import domain as d
from openagents_proto.sync.compat import CompatibilityWindow
from openagents_proto.sync.limits import MAX_BATCH_UPDATES, MAX_INBOUND_FRAME_BYTES

from openagents_server import __version__
from openagents_server.khala import auth, codec, codes, log
from openagents_server.khala.codes import Disconnect, KhalaClose
from openagents_server.khala.frames import FrameError
from openagents_server.khala.hub import Hub, Subscription
from openagents_server.khala.tokens import SigningKeys, SyncTokenClaims
from openagents_server.khala.topics import Topic
from openagents_server.khala.writer import Writer

_log = structlog.get_logger("openagents.khala.connection")

#: anchor: inbound frames ≤ 64 KiB (the contract's limit).
MAX_INBOUND_BYTES = MAX_INBOUND_FRAME_BYTES
#: Subscriptions one connection may hold (one SUBSCRIBE names at most 64 topics: the contract's limit).
MAX_SUBSCRIPTIONS = 256
#: How long an evicted slow consumer has to read what the kernel still holds, the ERROR and the close
#: (nothing more is queued for it meanwhile, so this costs no memory beyond the socket buffers).
SLOW_CONSUMER_GRACE = 15.0
#: How long we wait for the client's close frame after sending ours.
CLOSE_HANDSHAKE_SECONDS = 2.0
_STALE_REASONS = {
    codes.REASON_RETENTION_FLOOR_BREACH: d.StaleCursorReason.RETENTION_FLOOR_BREACH,
    codes.REASON_REPLAY_BUDGET_EXCEEDED: d.StaleCursorReason.REPLAY_BUDGET_EXCEEDED,
    # A watermark the server never issued (e.g. the database was restored): rehydrating is the cure.
    codes.REASON_WATERMARK_AHEAD: d.StaleCursorReason.RETENTION_FLOOR_BREACH,
}


@dataclass(frozen=True)
class Limits:
    hello_timeout: float = 5.0
    heartbeat_interval: float = 20.0
    idle_timeout: float = 60.0
    outbound_queue_bytes: int = 1024 * 1024
    inbound_rate: float = 20.0
    inbound_burst: float = 40.0
    max_connections_per_user: int = 16
    min_client_build_id: str = ""
    max_client_build_id: str = ""
    min_schema_version: int = 1
    max_schema_version: int = 1

    @property
    def window(self) -> CompatibilityWindow:
        """The operator's window from settings (empty build bounds are open)."""
        return CompatibilityWindow(
            protocol_version=auth.PROTOCOL_VERSION, min_client_build_id=self.min_client_build_id,
            max_client_build_id=self.max_client_build_id, min_schema_version=self.min_schema_version,
            max_schema_version=self.max_schema_version)


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


Receive = Callable[[], Awaitable[bytes | str | None]]
Send = Callable[[bytes], Awaitable[None]]
Close = Callable[[int, str], Awaitable[None]]
#: The deployed bundle's compatibility window for this client and the builds deployed (None: no bundle).
ServedWindow = Callable[[], Awaitable[tuple[CompatibilityWindow, frozenset[str]] | None]]


class Connection:
    def __init__(self, hub: Hub, keys: SigningKeys, limits: Limits, receive: Receive, send: Send, close: Close,
                 served_window: ServedWindow | None = None) -> None:
        self.hub = hub
        self._served_window = served_window
        self.keys = keys
        self.limits = limits
        #: "{node}.{conn}": the node part tells which process (granian worker / server) holds the socket.
        self.id = f"{hub.node_id}.conn_{secrets.token_hex(6)}"
        self._admitted = False  # registered in khala_connections (the cluster-wide per-user cap)
        self._receive = receive
        self._close = close
        self.writer = Writer(send, limits.outbound_queue_bytes)
        self.subscriptions: dict[str, Subscription] = {}
        self.claims: SyncTokenClaims | None = None
        self.session_id: str | None = None
        self.user_id: str | None = None
        self._done: asyncio.Future[KhalaClose | None] = asyncio.get_running_loop().create_future()
        self._bucket = TokenBucket(limits.inbound_rate, limits.inbound_burst)
        self._last_frame = time.monotonic()
        self._expiry: asyncio.TimerHandle | None = None

    # -- ending -----------------------------------------------------------------------------------

    def terminate(self, reason: KhalaClose | None) -> None:
        """End the connection (idempotent; the first reason wins)."""
        if not self._done.done():
            self._done.set_result(reason)

    def evict_slow(self) -> None:
        if self._done.done():
            return  # already ending (more frames may be refused before the close runs)
        self.hub.metrics.count_eviction()
        self.terminate(KhalaClose(codes.SLOW_CONSUMER, "outbound queue overflowed; resume from your watermarks",
                                  retry_after_ms=1000))

    def stale_cursor(self, topic: Topic, watermark: int, floor: int, head: int, reason: str) -> d.StaleCursor:
        return d.StaleCursor(
            topic=topic.name, reason=_STALE_REASONS[reason], requested_watermark=watermark, retention_floor=floor,
            head_watermark=head, replay_budget=topic.topic_class.replay_budget, recovery=d.RecoveryHint.REHYDRATE,
            snapshot_path=snapshot_path(topic.name),
        )

    def stale_close(self, stale: list[d.StaleCursor], request_id: str = "") -> KhalaClose:
        self.hub.metrics.count_stale([s.reason.value for s in stale])
        first = stale[0]
        reason = first.reason.value
        if first.requested_watermark > first.head_watermark:
            reason = codes.REASON_WATERMARK_AHEAD
        return KhalaClose(codes.STALE_CURSOR,
                          f"cannot resume {first.topic} after {first.requested_watermark}: rehydrate from "
                          f"{first.snapshot_path}", reason=reason, stale=tuple(stale), request_id=request_id)

    def watermarks(self) -> tuple[d.TopicCursor, ...]:
        """Head watermarks of the subscribed topics (what a server HEARTBEAT carries, per the contract)."""
        return tuple(d.TopicCursor(topic=name, watermark=self.hub.head_of(sub))
                     for name, sub in self.subscriptions.items())

    # -- main loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        self.hub.metrics.count_opened()
        writer_task = asyncio.create_task(self.writer.run(), name=f"{self.id}-writer")
        reader_task = asyncio.create_task(self._read_loop(), name=f"{self.id}-reader")
        heartbeat_task = asyncio.create_task(self._heartbeat_loop(), name=f"{self.id}-heartbeat")
        for task in (writer_task, reader_task, heartbeat_task):
            task.add_done_callback(self._task_ended)
        reason: KhalaClose | None = None
        try:
            reason = await self._done
        finally:
            reader_task.cancel()
            heartbeat_task.cancel()
            if self._expiry is not None:
                self._expiry.cancel()
            self.hub.remove_connection(self)
            if self._admitted:
                await self.hub.release(self)
            await self._finish(reason, writer_task)

    def _task_ended(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and task.get_name().endswith("-writer"):
            # A failed send means the socket is gone (the server's error types vary); nothing to tell it.
            _log.debug("khala_send_failed", conn=self.id, error=repr(exc))
            self.terminate(None)
        elif exc is None:
            self.terminate(None)  # reader saw the client go away
        elif isinstance(exc, KhalaClose):
            self.terminate(exc)
        elif isinstance(exc, (ConnectionError, OSError)):
            self.terminate(None)  # the socket went away under us
        else:
            _log.error("khala_connection_task_failed", task=task.get_name(), error=repr(exc))
            self.terminate(KhalaClose(codes.INTERNAL_ERROR, f"server fault ({type(exc).__name__})"))

    async def _finish(self, reason: KhalaClose | None, writer_task: asyncio.Task[None]) -> None:
        disconnect = reason.disconnect if reason else None
        error = self._error(reason) if reason is not None and disconnect.error is not None else None
        if error is not None and disconnect is not codes.SLOW_CONSUMER:
            self.writer.push_control(error)
            await self.writer.flush(timeout=1.0)
        writer_task.cancel()
        self.writer.close()
        close_timeout = 2.0
        if error is not None and disconnect is codes.SLOW_CONSUMER:
            # The socket is congested: the ERROR frame goes straight out, behind what the kernel
            # already holds, and the client gets SLOW_CONSUMER_GRACE seconds to read that far.
            close_timeout = SLOW_CONSUMER_GRACE
            try:
                await asyncio.wait_for(self.writer.send_now(error), SLOW_CONSUMER_GRACE)
            except Exception as exc:  # noqa: BLE001 - the peer is not reading; we drop the connection
                _log.info("khala_slow_consumer_unreachable", conn=self.id, error=type(exc).__name__)
        if reason is None:
            self.hub.metrics.record_disconnect("client_closed", 1000, self.user_id)
            return
        assert disconnect is not None
        self.hub.metrics.record_disconnect(reason.reason, disconnect.close_code, self.user_id)
        _log.info("khala_close", conn=self.id, code=disconnect.code, reason=reason.reason, user_id=self.user_id)
        try:
            await asyncio.wait_for(self._close(disconnect.close_code, reason.reason[:100]), close_timeout)
            # Finish the closing handshake: read (and drop) what the client still sends until its
            # close arrives, so the connection is not reset while our close frame is in flight
            # (a reset can destroy it before the client reads it, e.g. under a frame flood).
            await asyncio.wait_for(self._drain_until_closed(), CLOSE_HANDSHAKE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - the peer may be gone already
            _log.debug("khala_close_failed", conn=self.id, error=type(exc).__name__)

    async def _drain_until_closed(self) -> None:
        while await self._receive() is not None:
            pass

    def _error(self, reason: KhalaClose) -> bytes:
        disconnect = reason.disconnect
        assert disconnect.error is not None
        message = f"{reason.reason}: {reason.message}"[:1024]
        return codec.encode(d.SyncError(
            code=disconnect.error, message=message, retryable=disconnect.reconnect, request_id=reason.request_id,
            close_code=disconnect.close_code, retry_after_ms=reason.retry_after_ms, recovery=disconnect.recovery,
            stale_cursors=tuple(reason.stale), field=reason.field[:256],
        ))

    # -- reading ----------------------------------------------------------------------------------

    async def _next_frame(self, timeout: float, on_timeout: Disconnect) -> bytes:
        try:
            data = await asyncio.wait_for(self._receive(), timeout)
        except TimeoutError:
            raise KhalaClose(on_timeout) from None
        if data is None:
            raise ConnectionError("client closed")
        if isinstance(data, str):
            raise KhalaClose(codes.BAD_FRAME, "Khala frames are binary", reason="text_frame")
        if len(data) > MAX_INBOUND_BYTES:
            raise KhalaClose(codes.FRAME_TOO_LARGE, f"frames are limited to {MAX_INBOUND_BYTES} bytes",
                             reason="frame_too_large")
        if not self._bucket.take():
            raise KhalaClose(codes.RATE_LIMITED, "too many frames", reason="inbound_rate_limited")
        self._last_frame = time.monotonic()
        return data

    def _decode(self, data: bytes, *, hello: bool) -> d.Message:
        """The client's message, or the contract's refusal for it (``codes.refusal_for``): a HELLO
        whose token or versions fail validation is refused as unauthorized / upgrade_required, a
        SUBSCRIBE as bad_subscription (raised as KhalaClose; the read loop keeps the socket open)."""
        try:
            return codec.decode_client(data)
        except FrameError as exc:
            disconnect, reason = codes.refusal_for(exc.field)
            about_hello = exc.field.startswith("hello.")
            if about_hello != hello and exc.field.startswith(("hello.", "subscribe.")):
                # A HELLO after HELLO, or a SUBSCRIBE before it: the frame is not allowed now.
                disconnect, reason = codes.BAD_FRAME, "duplicate_hello" if about_hello else "hello_required"
            raise KhalaClose(disconnect, str(exc), reason=reason or exc.reason, field=exc.field,
                             request_id=exc.request_id) from None

    async def _read_loop(self) -> None:
        message = self._decode(await self._next_frame(self.limits.hello_timeout, codes.HELLO_TIMEOUT), hello=True)
        if not isinstance(message, d.Hello):
            raise KhalaClose(codes.BAD_FRAME, "the first frame must be HELLO", reason="hello_required", field="kind")
        await self._hello(message)
        while True:
            try:
                message = self._decode(await self._next_frame(self.limits.idle_timeout, codes.IDLE_TIMEOUT),
                                       hello=False)
            except KhalaClose as refused:
                if refused.disconnect is not codes.BAD_SUBSCRIPTION:
                    raise
                self.writer.push_control(self._error(refused))  # the socket stays open
                continue
            if isinstance(message, d.Subscribe):
                try:
                    await self._subscribe(message)
                except KhalaClose as refused:
                    refused.request_id = refused.request_id or message.request_id
                    if refused.disconnect is not codes.BAD_SUBSCRIPTION:
                        raise
                    self.writer.push_control(self._error(refused))  # the socket stays open
            elif isinstance(message, d.Unsubscribe):
                for name in message.topics:
                    sub = self.subscriptions.get(name)
                    if sub is not None:
                        self.hub.unsubscribe(sub)
            elif isinstance(message, d.Heartbeat):
                continue
            else:
                raise KhalaClose(codes.BAD_FRAME, "HELLO was already received", reason="duplicate_hello", field="kind")

    async def _hello(self, hello: d.Hello) -> None:
        limits = self.limits
        auth.check_compatibility(hello, limits.window)
        served = await self._served_window() if self._served_window is not None else None
        if served is not None:
            # The same gate as the HTTP API: a shell below its bundle's minimum must reload first.
            auth.check_compatibility(hello, *served)
        claims = auth.authenticate(hello, self.keys)
        self.claims, self.session_id, self.user_id = claims, claims.oa_session_id, claims.oa_user_id
        # Index first, then check: a revocation committed in between is caught by one or the other.
        self.hub.add_connection(self, claims.oa_session_id, claims.oa_user_id)
        revoked, admitted = await self.hub.admit(self, claims.oa_session_id, claims.oa_user_id,
                                                 limits.max_connections_per_user)
        self._admitted = admitted
        if revoked:
            raise KhalaClose(codes.REAUTH_REQUIRED, "session was revoked", reason="session_revoked", field="sync_token")
        if not admitted:
            raise KhalaClose(codes.TOO_MANY_CONNECTIONS,
                             f"at most {limits.max_connections_per_user} connections per user",
                             reason="too_many_connections", retry_after_ms=5000)
        # The token admits the connection until it expires; then the client reconnects with a fresh one
        # (HELLO_OK tells it when) and resumes from its watermarks.
        remaining = claims.exp - time.time()
        self._expiry = asyncio.get_running_loop().call_later(
            max(0.0, remaining), self.terminate,
            KhalaClose(codes.UNAUTHORIZED, "the sync token expired; reconnect with a fresh one", reason="expired",
                       field="sync_token"))
        self.writer.push_control(codec.encode(d.HelloOk(
            connection_id=self.id, protocol_version=auth.PROTOCOL_VERSION, schema_version=hello.schema_version,
            heartbeat_interval_ms=int(limits.heartbeat_interval * 1000),
            idle_timeout_ms=int(limits.idle_timeout * 1000), max_inbound_frame_bytes=MAX_INBOUND_BYTES,
            max_batch_updates=MAX_BATCH_UPDATES, token_expires_at_unix_ms=claims.exp * 1000,
            server_build_id=__version__, max_batch_bytes=self.writer.max_frame_bytes,
        )))

    async def _subscribe(self, request: d.Subscribe) -> None:
        assert self.claims is not None
        names = list(request.topics)
        topics = auth.parse_requested(names)
        states = await log.topic_states(self.hub.pool, names)
        for topic in topics:
            auth.authorize(self.claims, topic, states.get(topic.name))
        new = [t for t in topics if t.name not in self.subscriptions]
        if len(self.subscriptions) + len(new) > MAX_SUBSCRIPTIONS:
            raise KhalaClose(codes.BAD_SUBSCRIPTION, f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection",
                             reason="too_many_subscriptions", field="subscribe.topics")
        stale: list[d.StaleCursor] = []
        for topic in new:
            state = states.get(topic.name)
            head, floor = (state.head, state.floor) if state else (0, 0)
            watermark = request.watermark_for(topic.name)
            reason = ""
            if watermark > head:
                reason = codes.REASON_WATERMARK_AHEAD
            elif watermark < floor:
                reason = codes.REASON_RETENTION_FLOOR_BREACH
            elif head - watermark > topic.topic_class.replay_budget:
                reason = codes.REASON_REPLAY_BUDGET_EXCEEDED
            if reason:
                stale.append(self.stale_cursor(topic, watermark, floor, head, reason))
        if stale:
            raise self.stale_close(stale, request.request_id)
        heads = tuple(
            d.TopicCursor(topic=t.name, watermark=states[t.name].head if t.name in states else 0) for t in topics
        )
        # The ack goes out before any UPDATE_BATCH of these topics (control frames go first).
        self.writer.push_control(codec.encode(d.Subscribed(
            request_id=request.request_id, topics=tuple(names), head_watermarks=heads)))
        for topic in new:
            state = states.get(topic.name)
            self.hub.subscribe(self, topic, request.watermark_for(topic.name), state.head if state else 0)

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.limits.heartbeat_interval)
            if self.claims is not None:
                self.writer.push_control(codec.encode(d.Heartbeat(
                    watermarks=self.watermarks(), sent_at_unix_ms=int(time.time() * 1000))))


def snapshot_path(topic: str) -> str:
    from urllib.parse import quote

    return f"/api/sync/snapshot?topic={quote(topic, safe='')}"
