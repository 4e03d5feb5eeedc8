"""The smoke stream (``GET /api/smoke/stream``): one call that tells whether a deploy works.

It runs, in order, and reports each step with its duration:

1. ``database`` — a statement on the pool, and migrations current;
2. ``khala.connect`` — a real WebSocket to this server's own ``/sync/socket`` (the address the
   request came in on), ``HELLO`` with a freshly minted sync token, ``SUBSCRIBE`` to the smoke topic
   from its current head;
3. ``khala.round_trip`` — append a ``smoke.ping`` event carrying a nonce (committed through the
   outbox like any domain write) and wait for that exact event to arrive on the socket, through
   NOTIFY fan-out and the hub, possibly via another worker.

The answer advertises the event kinds a client of the stream sees (:data:`EVENT_KINDS`): the smoke
stream is Khala WebSocket delivery, never SSE (OA-WEBPARITY-053). The round trip's latency feeds
``openagents_smoke_khala_round_trip_seconds``, the Khala delivery SLI (docs/ops/SLO.md).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import websockets
from openagents_proto.sync import domain as d

from openagents_server.db.migrate import pending_migrations
from openagents_server.khala import codec, log
from openagents_server.khala.tokens import SigningKeys, mint_sync_token
from openagents_server.metrics.families import SMOKE_ROUND_TRIP, SMOKE_RUNS
from openagents_server.settings import Settings

#: The smoke topic: a notifications topic of a user id no account can have (ids are ``user_…``).
SMOKE_USER = "oa-smoke"
SMOKE_TOPIC = f"user:{SMOKE_USER}:notifications"
EVENT_KIND = "smoke.ping"
#: What the stream's client sees, in order (Khala frames, then the smoke event's kind).
EVENT_KINDS = ("hello_ok", "subscribed", "update_batch", EVENT_KIND)
STEP_TIMEOUT_S = 5.0
#: A build id inside any compatibility window that leaves its lower bound open.
SMOKE_CLIENT_BUILD = "20260221T130000Z"


@dataclass
class Step:
    name: str
    ok: bool = False
    ms: float = 0.0
    detail: str = ""


@dataclass
class SmokeResult:
    steps: list[Step] = field(default_factory=list)
    kinds_seen: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


class _StepFailed(Exception):
    pass


class SmokeError(Exception):
    """A step's dependency answered wrongly or not at all (the message says which and how)."""


async def _timed(result: SmokeResult, name: str, work: Any) -> Any:
    step = Step(name)
    result.steps.append(step)
    started = time.perf_counter()
    try:
        value = await asyncio.wait_for(work, STEP_TIMEOUT_S)
    except TimeoutError:
        step.detail = f"no answer within {STEP_TIMEOUT_S:g} s"
        raise _StepFailed from None
    except Exception as exc:  # noqa: BLE001 - every failure is reported as the step's detail
        step.detail = (str(exc) if isinstance(exc, SmokeError) else f"{type(exc).__name__}: {exc}")[:300]
        raise _StepFailed from None
    finally:
        step.ms = round((time.perf_counter() - started) * 1000, 2)
    step.ok = True
    return value


async def _database(pool: asyncpg.Pool) -> None:
    try:
        async with pool.acquire(timeout=2) as conn:
            await conn.fetchval("SELECT 1")
            pending = await pending_migrations(conn)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise SmokeError(f"PostgreSQL is unreachable ({type(exc).__name__}: {exc})") from None
    if pending:
        raise RuntimeError("migrations pending: " + ", ".join(pending))


async def _recv(ws: Any) -> d.Message:
    frame = codec.decode_server(await ws.recv())
    if isinstance(frame.message, d.SyncError):
        raise SmokeError(f"khala error {frame.message.code}: {frame.message.message}")
    return frame.message


async def _connect(url: str, settings: Settings, head: int, result: SmokeResult) -> Any:
    ws = await websockets.connect(url, subprotocols=["khala.ws.v1"], max_size=None,  # type: ignore[list-item]
                                  ping_interval=None, open_timeout=STEP_TIMEOUT_S)
    try:
        token, _ = mint_sync_token(SigningKeys.parse(settings.sync_token_secret), user_id=SMOKE_USER, org_id="",
                                   session_id="smoke", device_id="smoke", scopes=("notifications.read",),
                                   topics=(SMOKE_TOPIC,), ttl_seconds=60)
        build = settings.khala_min_client_build_id or SMOKE_CLIENT_BUILD
        await ws.send(codec.encode_client(d.Hello(sync_token=token, client_build_id=build,
                                                  protocol_version="khala.ws.v1",
                                                  schema_version=settings.khala_min_schema_version)))
        if not isinstance(await _recv(ws), d.HelloOk):
            raise SmokeError("no HELLO_OK")
        result.kinds_seen.append("hello_ok")
        await ws.send(codec.encode_client(d.Subscribe(topics=(SMOKE_TOPIC,), request_id="smoke",
                                                      resume_after=(d.TopicCursor(topic=SMOKE_TOPIC,
                                                                                  watermark=head),))))
        while not isinstance(message := await _recv(ws), d.Subscribed):
            if not isinstance(message, (d.Heartbeat, d.UpdateBatch)):
                raise SmokeError(f"unexpected {type(message).__name__} before SUBSCRIBED")
        result.kinds_seen.append("subscribed")
        return ws
    except BaseException:
        await ws.close()
        raise


async def _round_trip(pool: asyncpg.Pool, ws: Any, result: SmokeResult) -> None:
    nonce = secrets.token_hex(8)
    async with log.unit_of_work(pool) as conn:
        await log.append(conn, SMOKE_TOPIC, doc_key=f"smoke-{nonce}", kind=EVENT_KIND,
                         payload={"nonce": nonce, "at": time.time()})
    started = time.perf_counter()
    while True:
        message = await _recv(ws)
        if isinstance(message, d.UpdateBatch):
            if "update_batch" not in result.kinds_seen:
                result.kinds_seen.append("update_batch")
            if any(u.doc_key == f"smoke-{nonce}" for u in message.updates):
                SMOKE_ROUND_TRIP.observe(time.perf_counter() - started)
                result.kinds_seen.append(EVENT_KIND)
                return


async def run(pool: asyncpg.Pool, settings: Settings, socket_url: str) -> SmokeResult:
    result = SmokeResult()
    ws = None
    try:
        await _timed(result, "database", _database(pool))
        async with pool.acquire(timeout=2) as conn:
            states = await log.topic_states(conn, [SMOKE_TOPIC])
        head = states[SMOKE_TOPIC].head if SMOKE_TOPIC in states else 0
        ws = await _timed(result, "khala.connect", _connect(socket_url, settings, head, result))
        await _timed(result, "khala.round_trip", _round_trip(pool, ws, result))
    except _StepFailed:
        pass
    finally:
        if ws is not None:
            await ws.close()
    SMOKE_RUNS.labels("pass" if result.ok else "fail").inc()
    return result
