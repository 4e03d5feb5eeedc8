"""The hub's replay→live rule in-process (MemoryFanout), under many random interleavings."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest
from openagents_proto.sync.v1 import khala_pb2
from openagents_server.khala import log
from openagents_server.khala.connection import Connection, Limits
from openagents_server.khala.fanout import MemoryFanout
from openagents_server.khala.hub import Hub
from openagents_server.khala.topics import parse_topic

from tests.khala.support import KEYS


def _seqs(frames: list[bytes]) -> list[int]:
    out = []
    for data in frames:
        frame = khala_pb2.KhalaFrame()
        frame.ParseFromString(data)
        if frame.kind == khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH:
            batch = khala_pb2.UpdateBatch()
            batch.ParseFromString(frame.payload_bytes)
            out += [u.watermark for u in batch.updates]
    return out


async def _never() -> bytes | None:
    await asyncio.Event().wait()
    return None


@pytest.fixture
async def pool(database_url: str):
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=6)
    yield pool
    await pool.close()


async def test_switch_over_under_random_interleavings(pool: asyncpg.Pool) -> None:
    fanout = MemoryFanout()
    hub = Hub(pool, fanout)
    await hub.start()
    for round_ in range(40):
        # Each round has its own topic (publish limits are per topic and per second).
        name = f"run:h{round_}:events"
        topic = parse_topic(name)
        head = 0
        for _ in range(random.randint(0, 10)):
            async with pool.acquire() as c:
                head = (await log.append(c, name, doc_key="w", payload={"r": round_})).seq
        sent: list[bytes] = []

        async def send(frame: bytes, sent: list[bytes] = sent) -> None:
            if random.random() < 0.3:
                await asyncio.sleep(0)
            sent.append(frame)

        async def close(code: int, reason: str) -> None:
            return None

        conn = Connection(hub, KEYS, Limits(), _never, send, close)
        writer = asyncio.create_task(conn.writer.run())
        watermark = random.randint(0, head)

        async def append_some(count: int, round_: int = round_, name: str = name) -> None:
            nonlocal head
            for _ in range(count):
                async with pool.acquire() as c:
                    appended = await log.append(c, name, doc_key="w", payload={"r": round_})
                head = appended.seq
                if random.random() < 0.8:  # some wake-ups are lost; later ones (or nothing) must do
                    fanout.publish(name, appended.seq)
                await asyncio.sleep(random.choice([0, 0, 0.001]))

        appender = asyncio.create_task(append_some(random.randint(1, 12)))
        await asyncio.sleep(random.choice([0, 0.001, 0.003]))
        sub = hub.subscribe(conn, topic, watermark, head)
        await appender
        fanout.publish(name, head)  # the last wake-up always arrives
        for _ in range(200):
            if sub.live and sub.last_sent == head and conn.writer.queued_bytes == 0:
                break
            await asyncio.sleep(0.005)
        assert _seqs(sent) == list(range(watermark + 1, head + 1)), f"round {round_}"
        hub.remove_connection(conn)
        conn.writer.close()
        await writer
    await hub.stop()


async def test_pruning_under_a_running_replay_ends_it_as_a_stale_cursor(pool: asyncpg.Pool) -> None:
    """Retention may move the floor while a slow client replays: it must get stale_cursor, not a gap."""
    from openagents_server.khala import codes
    from openagents_server.khala.topics import RUN_EVENTS

    topic_name = "run:prune:events"
    async with pool.acquire() as c:
        await log.register_topic(c, topic_name, owner_user_id="u1")
        await c.execute(
            """
            INSERT INTO khala_events (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash,
                                      created_at)
            SELECT $1, g, 'run_events', 'upsert', 'd', g, convert_to(g::text, 'UTF8'),
                   'sha256:' || encode(sha256(convert_to(g::text, 'UTF8')), 'hex'), now() - interval '8 days'
            FROM generate_series(1, 1000) g
            """,
            topic_name,
        )
        await c.execute("UPDATE khala_topics SET head_seq = 1000 WHERE topic = $1", topic_name)
    hub = Hub(pool, MemoryFanout())
    await hub.start()
    sent: list[bytes] = []

    async def slow_send(frame: bytes) -> None:
        await asyncio.sleep(0.05)  # a client on a slow link
        sent.append(frame)

    async def close(code: int, reason: str) -> None:
        return None

    conn = Connection(hub, KEYS, Limits(outbound_queue_bytes=4096), _never, slow_send, close)
    writer = asyncio.create_task(conn.writer.run())
    hub.subscribe(conn, parse_topic(topic_name), 0, 1000)
    while not sent:
        await asyncio.sleep(0.01)
    async with pool.acquire() as c:
        assert (await log.prune_class(c, RUN_EVENTS, batch_size=600)).deleted == 600
    reason = await asyncio.wait_for(conn._done, 10)
    assert reason is not None and reason.disconnect is codes.STALE_CURSOR
    (stale,) = reason.stale
    assert stale.retention_floor == 600 and stale.requested_watermark < 600
    delivered = _seqs(sent)
    assert delivered == list(range(1, len(delivered) + 1))  # what did arrive has no gap
    conn.writer.close()
    writer.cancel()
    hub.remove_connection(conn)
    await hub.stop()


async def test_a_stalled_socket_gets_the_backlog_merged_into_few_frames_and_misses_nothing(pool: asyncpg.Pool) -> None:
    """While a socket's frame waits, the next live events join it: fewer sends, same seqs, same order;
    a socket that keeps up still gets one frame per publish."""
    fanout = MemoryFanout()
    hub = Hub(pool, fanout)
    await hub.start()
    name = "run:merge:events"
    topic = parse_topic(name)
    gate = asyncio.Event()
    stalled: list[bytes] = []
    prompt: list[bytes] = []

    async def stalled_send(frame: bytes) -> None:
        await gate.wait()
        stalled.append(frame)

    async def prompt_send(frame: bytes) -> None:
        prompt.append(frame)

    async def close(code: int, reason: str) -> None:
        return None

    conns = [Connection(hub, KEYS, Limits(), _never, send, close) for send in (stalled_send, prompt_send)]
    writers = [asyncio.create_task(c.writer.run()) for c in conns]
    subs = [hub.subscribe(c, topic, 0, 0) for c in conns]
    while not all(s.live for s in subs):
        await asyncio.sleep(0.001)
    for i in range(30):
        async with pool.acquire() as c:
            seq = (await log.append(c, name, doc_key=f"d{i % 3}", payload={"i": i})).seq
        fanout.publish(name, seq)
        while subs[1].last_sent < seq:  # the prompt socket's copy is queued before the next publish
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.002)
    gate.set()
    while conns[0].writer.queued_bytes or conns[1].writer.queued_bytes:
        await asyncio.sleep(0.005)
    assert _seqs(stalled) == list(range(1, 31)) == _seqs(prompt)
    assert len(prompt) == 30  # one frame per publish for a socket that keeps up
    assert len(stalled) <= 2  # the one being sent when the socket stalled, then everything else merged
    last = khala_pb2.KhalaFrame()
    last.ParseFromString(stalled[-1])
    batch = khala_pb2.UpdateBatch()
    batch.ParseFromString(last.payload_bytes)
    assert last.seq == 30 and batch.replay_complete and batch.head_watermarks[0].watermark == 30
    for c, w in zip(conns, writers, strict=True):
        hub.remove_connection(c)
        c.writer.close()
        await w
    await hub.stop()
