"""Replay then live tail: every seq exactly once per connection, in order, across the switch-over."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest
from openagents_proto.sync import domain as d
from openagents_server.khala import log

from tests.khala.support import KhalaClient, token

TOPIC = "run:r1:events"
TOTAL = 600


async def _writer(pool: asyncpg.Pool, total: int, started: asyncio.Event) -> None:
    for i in range(total):
        async with pool.acquire() as conn:
            await log.append(conn, TOPIC, doc_key=f"e{i}", payload={"i": i})
        if i == 50:
            started.set()
        await asyncio.sleep(random.uniform(0.002, 0.008))  # ~200 appends/s: under the 240/s class limit


async def _subscriber(server_ws: str, pool: asyncpg.Pool, start_delay: float) -> KhalaClient:
    await asyncio.sleep(start_delay)
    # Resume from a random point behind the head at the moment we join.
    head = await pool.fetchval("SELECT head_seq FROM khala_topics WHERE topic = $1", TOPIC) or 0
    watermark = random.randint(0, head)
    client = await KhalaClient.connect(server_ws)
    await client.hello(token())
    client.applied[TOPIC] = watermark
    await client.subscribe([TOPIC], {TOPIC: watermark})
    await client.batches({TOPIC: TOTAL}, timeout=30)
    return client


@pytest.mark.parametrize("round_", range(3))
async def test_subscribers_joining_mid_stream_get_every_seq_once_in_order(
    round_: int, live_server, database_url: str
) -> None:
    server = live_server()
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=4)
    try:
        await log.register_topic(pool, TOPIC, owner_user_id="u1")
        started = asyncio.Event()
        writer = asyncio.create_task(_writer(pool, TOTAL, started))
        await started.wait()
        # 12 subscribers join at random moments while the writer keeps appending.
        subscribers = [asyncio.create_task(_subscriber(server.ws_url, pool, random.uniform(0, 2.0)))
                       for _ in range(12)]
        clients = await asyncio.gather(*subscribers)
        await writer
        for client in clients:
            # KhalaClient.apply asserts there is never a gap; the protocol promises no duplicate either.
            assert client.applied[TOPIC] == TOTAL
            assert client.duplicates == 0
            await client.close()
    finally:
        await pool.close()


@pytest.mark.parametrize(("total", "sizes"), [(450, [200, 200, 50]), (400, [200, 200])])
async def test_replay_is_batched_by_200_and_ends_with_replay_complete(
    live_server, db: asyncpg.Connection, total: int, sizes: list[int]
) -> None:
    server = live_server()
    await log.register_topic(db, TOPIC, owner_user_id="u1")
    await db.execute(
        """
        INSERT INTO khala_events (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash)
        SELECT $1, g, 'run_events', 'upsert', 'd' || g, g, convert_to('{"g":' || g || '}', 'UTF8'),
               'sha256:' || encode(sha256(convert_to('{"g":' || g || '}', 'UTF8')), 'hex')
        FROM generate_series(1, $2) g
        """,
        TOPIC, total,
    )
    await db.execute("UPDATE khala_topics SET head_seq = $2 WHERE topic = $1", TOPIC, total)
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    await client.subscribe([TOPIC])
    batches = [await client.recv() for _ in sizes]
    assert all(isinstance(b, d.UpdateBatch) for b in batches)
    assert [len(b.updates) for b in batches] == sizes  # type: ignore[union-attr]
    # replay_complete on the last batch only, also when the backlog is a multiple of 200.
    assert [b.replay_complete for b in batches] == [False] * (len(sizes) - 1) + [True]  # type: ignore[union-attr]
    assert batches[-1].updates[-1].watermark == total  # type: ignore[union-attr]
    assert batches[-1].updates[-1].body() == {"g": total}  # type: ignore[union-attr]
    await client.close()
