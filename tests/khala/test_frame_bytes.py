"""Issue 17 point 1: no frame outgrows the advertised batch cap or the 1 MiB outbound queue.

A replay of 200 events of 60 kB used to arrive as one 12 MB WebSocket message (200 × 256 KiB would
be 51 MiB), which a browser must decode in one go on its main thread, against a 1 MiB queue that
accepted any frame when empty. Now each UPDATE_BATCH is cut at ``max_batch_bytes`` (HELLO_OK), and
the queue refuses every frame that would take it past its bound.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from openagents_proto.sync import domain as d
from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_OUTBOUND_QUEUE_BYTES
from openagents_server.khala import codec, codes, log
from openagents_server.khala.connection import Connection, Limits
from openagents_server.khala.fanout import MemoryFanout
from openagents_server.khala.hub import Hub
from openagents_server.khala.topics import parse_topic
from openagents_server.khala.writer import Writer

from tests.khala.support import KEYS, KhalaClient, fill

#: (events, payload bytes): the issue's two cases — 60 kB events, and run_events' largest payloads.
CASES = {"200x60kB": (200, 60_000), "20x256kB": (20, 256 * 1024 - 100)}


async def _read_frames(client: KhalaClient, topic: str, last: int) -> list[tuple[int, d.UpdateBatch]]:
    """(encoded size, batch) of every UPDATE_BATCH until ``last`` is applied."""
    frames = []
    while client.applied.get(topic, 0) < last:
        data = await asyncio.wait_for(client.ws.recv(), 10)
        frame = codec.decode_server(data)  # type: ignore[arg-type]
        if isinstance(frame.message, d.UpdateBatch):
            client.apply(frame.message)
            frames.append((len(data), frame.message))
    return frames


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_replay_of_large_payloads_stays_under_the_advertised_cap(live_server, db: asyncpg.Connection,
                                                                         case: str) -> None:
    count, size = CASES[case]
    topic = f"run:big{count}:events"
    await fill(db, topic, count, size)
    server = live_server()
    client = await KhalaClient.connect(server.ws_url)
    welcome = await client.hello()
    assert welcome.max_batch_bytes == MAX_BATCH_BYTES <= MAX_OUTBOUND_QUEUE_BYTES // 2
    await client.subscribe([topic])
    frames = await _read_frames(client, topic, count)
    assert max(length for length, _ in frames) <= welcome.max_batch_bytes
    assert len(frames) >= count * size // MAX_BATCH_BYTES  # cut by bytes, not by the 200-update limit
    assert [u.watermark for _, b in frames for u in b.updates] == list(range(1, count + 1))
    assert [b.replay_complete for _, b in frames] == [False] * (len(frames) - 1) + [True]
    await client.close()


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_live_burst_of_large_payloads_stays_under_the_advertised_cap(live_server, database_url: str,
                                                                             case: str) -> None:
    count, size = CASES[case]
    topic = f"run:live{count}:events"
    server = live_server()
    client = await KhalaClient.connect(server.ws_url)
    welcome = await client.hello()
    conn = await asyncpg.connect(database_url)
    try:
        await log.register_topic(conn, topic, owner_user_id="u1")
        await client.subscribe([topic])
        async with conn.transaction():  # one commit: the node reads the whole burst at once
            for i in range(count):
                await log.append(conn, topic, doc_key=f"d{i % 5}", payload={"d": "x" * (size - 20), "i": i})
    finally:
        await conn.close()
    frames = await _read_frames(client, topic, count)
    assert max(length for length, _ in frames) <= welcome.max_batch_bytes
    assert [u.watermark for _, b in frames for u in b.updates] == list(range(1, count + 1))
    await client.close()


# -- the outbound queue bound, watched from inside the server --------------------------------------


@pytest.fixture
async def pool(database_url: str):
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=6)
    yield pool
    await pool.close()


async def _never() -> bytes | None:
    await asyncio.Event().wait()
    return None


async def _close(code: int, reason: str) -> None:
    return None


@pytest.mark.parametrize("case", sorted(CASES))
async def test_a_slow_reader_replays_everything_and_the_queue_never_passes_its_bound(
        pool: asyncpg.Pool, case: str) -> None:
    count, size = CASES[case]
    topic = f"run:queue{count}:events"
    async with pool.acquire() as c:
        await fill(c, topic, count, size)
    hub = Hub(pool, MemoryFanout())
    await hub.start()
    sent: list[bytes] = []
    peak = 0

    async def slow_send(frame: bytes) -> None:
        nonlocal peak
        peak = max(peak, conn.writer.queued_bytes)
        await asyncio.sleep(0.005)  # a client on a slow link
        sent.append(frame)

    conn = Connection(hub, KEYS, Limits(), _never, slow_send, _close)
    writer = asyncio.create_task(conn.writer.run())
    try:
        hub.subscribe(conn, parse_topic(topic), 0, count)
        while not sent or codec.decode_server(sent[-1]).seq < count:
            assert not conn._done.done(), conn._done.result()
            await asyncio.sleep(0.01)
        assert peak <= MAX_OUTBOUND_QUEUE_BYTES
        assert max(len(f) for f in sent) <= MAX_BATCH_BYTES
    finally:
        conn.writer.close()
        writer.cancel()
        hub.remove_connection(conn)
        await hub.stop()


async def test_a_stalled_reader_of_large_live_frames_is_evicted_before_the_queue_passes_its_bound(
        pool: asyncpg.Pool) -> None:
    topic = "run:stalled:events"
    fanout = MemoryFanout()
    hub = Hub(pool, fanout)
    await hub.start()
    async with pool.acquire() as c:
        await log.register_topic(c, topic, owner_user_id="u1")
    gate = asyncio.Event()
    peak = 0

    async def stalled_send(frame: bytes) -> None:
        nonlocal peak
        peak = max(peak, conn.writer.queued_bytes)
        await gate.wait()

    conn = Connection(hub, KEYS, Limits(), _never, stalled_send, _close)
    writer = asyncio.create_task(conn.writer.run())
    try:
        sub = hub.subscribe(conn, parse_topic(topic), 0, 0)
        while not sub.live:
            await asyncio.sleep(0.001)
        for i in range(40):
            async with pool.acquire() as c:
                seq = (await log.append(c, topic, doc_key="d", payload={"d": "x" * 60_000, "i": i})).seq
            fanout.publish(topic, seq)
            await asyncio.sleep(0.005)
            if conn._done.done():
                break
        reason = await asyncio.wait_for(conn._done, 10)
        assert reason is not None and reason.disconnect is codes.SLOW_CONSUMER
        assert conn.writer.queued_bytes <= MAX_OUTBOUND_QUEUE_BYTES
        assert peak <= MAX_OUTBOUND_QUEUE_BYTES
    finally:
        gate.set()
        conn.writer.close()
        writer.cancel()
        hub.remove_connection(conn)
        await hub.stop()


async def test_a_frame_larger_than_the_queue_is_refused_even_when_the_queue_is_empty() -> None:
    async def send(frame: bytes) -> None:
        return None

    writer = Writer(send, max_bytes=1024)
    assert writer.max_frame_bytes == 512
    assert writer.push("t", b"x" * 1025) is False
    assert writer.push("t", b"x" * 1024) is True
