"""A client that stops reading is evicted (4008); others keep their latency; resuming loses nothing."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from openagents_proto.sync import domain as d
from openagents_server.khala import log

from tests.khala.support import KhalaClient, token

TOPIC = "run:big:events"
EVENTS = 200
BLOB = "x" * 100_000  # 100 KB per event: 20 MB in all, far past kernel buffers + the 1 MiB queue


async def test_slow_consumer_is_evicted_others_unaffected_and_resume_has_everything(
    live_server, database_url: str
) -> None:
    server = live_server()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await log.register_topic(pool, TOPIC, owner_user_id="u1")
        slow = await KhalaClient.connect(server.ws_url)
        await slow.hello(token(session="slow"))
        await slow.subscribe([TOPIC])
        fast = await KhalaClient.connect(server.ws_url)
        await fast.hello(token(session="fast"))
        await fast.subscribe([TOPIC])
        slow.ws.transport.pause_reading()  # type: ignore[attr-defined]  # stop reading from the socket

        sent_at: dict[int, float] = {}
        lags: list[float] = []
        # By 120 events (12 MB) the slow client is far past its 1 MiB queue plus what the kernel
        # buffers: it has been evicted. It then reads what it was sent, so the server's grace period
        # for delivering the ERROR and the close never runs out, however loaded the machine is.
        evicted_by_now = asyncio.Event()

        async def read_fast() -> None:
            while fast.applied.get(TOPIC, 0) < EVENTS:
                message = await fast.recv(timeout=20)
                if isinstance(message, d.UpdateBatch):
                    now = time.monotonic()
                    for seq in fast.apply(message):
                        lags.append(now - sent_at[seq])
                    if fast.applied[TOPIC] >= 120:
                        evicted_by_now.set()

        from tests.khala.support import Closed

        async def read_slow() -> Closed:
            await evicted_by_now.wait()
            slow.ws.transport.resume_reading()  # type: ignore[attr-defined]
            try:
                while True:
                    message = await slow.recv(timeout=20)
                    if isinstance(message, d.UpdateBatch):
                        slow.apply(message)
            except Closed as exc:
                return exc

        reader = asyncio.create_task(read_fast())
        slow_reader = asyncio.create_task(read_slow())
        for i in range(EVENTS):
            async with pool.acquire() as conn:
                sent_at[i + 1] = time.monotonic()
                await log.append(conn, TOPIC, doc_key=f"e{i}", payload={"i": i, "blob": BLOB})
            await asyncio.sleep(0.005)
        await asyncio.wait_for(reader, 30)
        lags.sort()
        assert fast.applied[TOPIC] == EVENTS and fast.duplicates == 0
        assert lags[len(lags) * 99 // 100] < 1.0, f"fast client's p99 lag {lags[len(lags) * 99 // 100]:.3f}s"

        closed = await asyncio.wait_for(slow_reader, 30)
        assert closed.code == 4008, closed
        assert closed.error is not None and closed.error.code is d.SyncErrorCode.SLOW_CONSUMER
        assert closed.error.retryable and closed.error.recovery is d.RecoveryHint.RESUME
        watermark = slow.applied.get(TOPIC, 0)
        assert watermark < EVENTS  # it really was cut off

        resumed = await KhalaClient.connect(server.ws_url)
        await resumed.hello(token(session="slow"))
        resumed.applied[TOPIC] = watermark
        await resumed.subscribe([TOPIC], {TOPIC: watermark})
        await resumed.batches({TOPIC: EVENTS}, timeout=30)
        assert resumed.applied[TOPIC] == EVENTS and resumed.duplicates == 0
        await resumed.close()
        await fast.close()
    finally:
        await pool.close()
