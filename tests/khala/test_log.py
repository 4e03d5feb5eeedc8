"""The event log: gapless ordered seqs in the caller's transaction, idempotency, limits, retention."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from openagents_server.khala import log
from openagents_server.khala.canonical import canonical_json, payload_hash
from openagents_server.khala.log import AppendError
from openagents_server.khala.topics import NOTIFICATIONS, RUN_EVENTS

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "protocol" / "khala_payload_hash_vectors.v1.json"


def test_canonical_json_and_hash_match_the_anchor_vectors() -> None:
    vectors = json.loads(VECTORS.read_text())["vectors"]
    assert len(vectors) == 5
    for vector in vectors:
        body = canonical_json(vector["payload"])
        assert body.decode() == vector["canonical_json"], vector["name"]
        assert payload_hash(body) == vector["sha256"], vector["name"]


async def test_appends_get_consecutive_seqs_and_read_returns_them_in_order(db: asyncpg.Connection) -> None:
    for i in range(5):
        appended = await log.append(db, "run:r1:events", doc_key=f"e{i}", payload={"i": i, "b": [1, 2]})
        assert appended.seq == i + 1 and not appended.duplicate
    events = await log.read(db, "run:r1:events", after=2)
    assert [e.seq for e in events] == [3, 4, 5]
    assert events[0].payload == b'{"b":[1,2],"i":2}'
    assert events[0].payload_hash == payload_hash(events[0].payload)
    assert events[0].doc_version == 3  # defaults to the seq
    state = (await log.topic_states(db, ["run:r1:events"]))["run:r1:events"]
    assert (state.head, state.floor, state.topic_class) == (5, 0, "run_events")


async def test_rolled_back_append_leaves_no_gap(db: asyncpg.Connection) -> None:
    await log.append(db, "run:r1:events", doc_key="a", payload=1)
    tx = db.transaction()
    await tx.start()
    assert (await log.append(db, "run:r1:events", doc_key="b", payload=2)).seq == 2
    await tx.rollback()
    assert (await log.append(db, "run:r1:events", doc_key="c", payload=3)).seq == 2
    assert [e.doc_key for e in await log.read(db, "run:r1:events", after=0)] == ["a", "c"]


async def test_event_commits_with_the_domain_write_or_not_at_all(db: asyncpg.Connection) -> None:
    await db.execute("CREATE TABLE widgets (id int PRIMARY KEY)")
    with pytest.raises(asyncpg.UniqueViolationError):
        async with db.transaction():
            await db.execute("INSERT INTO widgets VALUES (1)")
            await log.append(db, "run:r1:events", doc_key="w1", payload={"created": 1})
            await db.execute("INSERT INTO widgets VALUES (1)")  # the domain write fails
    assert await log.read(db, "run:r1:events", after=0) == []
    assert await db.fetchval("SELECT count(*) FROM widgets") == 0


async def test_concurrent_writers_never_leave_gaps_or_duplicates(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=16, max_size=16)
    try:
        async def writer(w: int) -> list[int]:
            seqs = []
            for i in range(14):  # 224 appends: within the 240/s run_events limit
                async with pool.acquire() as conn, conn.transaction():
                    seqs.append((await log.append(conn, "run:hot:events", doc_key=f"{w}-{i}", payload=i)).seq)
            return seqs

        results = await asyncio.gather(*(writer(w) for w in range(16)))
        all_seqs = sorted(s for seqs in results for s in seqs)
        assert all_seqs == list(range(1, 225))
        for seqs in results:  # each writer's own appends are ordered
            assert seqs == sorted(seqs)
    finally:
        await pool.close()


async def test_idempotent_retry_returns_the_original_seq(db: asyncpg.Connection) -> None:
    first = await log.append(db, "run:r1:events", doc_key="a", payload={"x": 1}, idempotency_key="k1")
    await log.append(db, "run:r1:events", doc_key="b", payload={"x": 2})
    retry = await log.append(db, "run:r1:events", doc_key="a", payload={"x": 1}, idempotency_key="k1")
    assert retry.seq == first.seq == 1 and retry.duplicate
    with pytest.raises(AppendError) as info:
        await log.append(db, "run:r1:events", doc_key="a", payload={"x": 99}, idempotency_key="k1")
    assert (info.value.status, info.value.reason) == (409, "idempotency_key_reused")
    assert (await log.topic_states(db, ["run:r1:events"]))["run:r1:events"].head == 2


async def test_expected_previous_seq_mismatch_is_a_conflict(db: asyncpg.Connection) -> None:
    await log.append(db, "run:r1:events", doc_key="a", payload=1, expected_previous_seq=0)
    with pytest.raises(AppendError) as info:
        await log.append(db, "run:r1:events", doc_key="b", payload=2, expected_previous_seq=0)
    assert (info.value.status, info.value.code, info.value.details["head"]) == (409, "conflict", 1)
    assert (await log.append(db, "run:r1:events", doc_key="b", payload=2, expected_previous_seq=1)).seq == 2


async def test_oversized_payload_is_refused_with_its_reason_code(db: asyncpg.Connection) -> None:
    with pytest.raises(AppendError) as info:
        await log.append(db, "user:u1:notifications", doc_key="n", payload="x" * (64 * 1024))
    assert (info.value.status, info.value.reason) == (413, "khala_frame_payload_too_large")
    assert await log.read(db, "user:u1:notifications", after=0) == []


async def test_publish_rate_limit_per_topic_class(db: asyncpg.Connection) -> None:
    async with db.transaction():
        # A transaction keeps all appends within one second on the clock used by the limiter.
        for i in range(NOTIFICATIONS.publish_per_second):
            await log.append(db, "user:u1:notifications", doc_key=f"n{i}", payload=i)
        with pytest.raises(AppendError) as info:
            await log.append(db, "user:u1:notifications", doc_key="over", payload=0)
        assert (info.value.status, info.value.reason) == (429, "khala_publish_rate_limited")
    # Another topic of the same class has its own budget.
    assert (await log.append(db, "user:u2:notifications", doc_key="n", payload=0)).seq == 1


async def test_unknown_topic_and_bad_kind_are_invalid_requests(db: asyncpg.Connection) -> None:
    with pytest.raises(AppendError) as info:
        await log.append(db, "chat:1", doc_key="a", payload=1)
    assert (info.value.status, info.value.reason) == (422, "invalid_topic")
    with pytest.raises(AppendError) as info:
        await log.append(db, "run:1:events", doc_key="a", payload=1, kind="DROP TABLE")
    assert info.value.reason == "invalid_kind"


async def test_notification_is_delivered_only_after_commit(db: asyncpg.Connection, database_url: str) -> None:
    listener = await asyncpg.connect(database_url)
    got: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(log.EVENTS_CHANNEL, lambda *args: got.put_nowait(args[3]))
    try:
        async with db.transaction():
            await log.append(db, "run:r9:events", doc_key="a", payload=1)
            await asyncio.sleep(0.2)
            assert got.empty()
        assert await asyncio.wait_for(got.get(), 2) == "run:r9:events 1"
    finally:
        await listener.close()


async def test_retention_prunes_old_events_in_batches_and_moves_the_floor(db: asyncpg.Connection) -> None:
    for i in range(10):
        await log.append(db, "run:old:events", doc_key=f"e{i}", payload=i)
    await db.execute(
        "UPDATE khala_events SET created_at = now() - interval '8 days' WHERE topic = 'run:old:events' AND seq <= 6"
    )
    await log.append(db, "user:u1:notifications", doc_key="n", payload=1)
    first = await log.prune_class(db, RUN_EVENTS, batch_size=4)
    assert first.deleted == 4
    assert (await log.topic_states(db, ["run:old:events"]))["run:old:events"].floor == 4
    totals = await log.prune_all(db, batch_size=4)
    assert totals["run_events"] == 2 and totals["notifications"] == 0
    state = (await log.topic_states(db, ["run:old:events"]))["run:old:events"]
    assert (state.floor, state.head) == (6, 10)
    assert [e.seq for e in await log.read(db, "run:old:events", after=0)] == [7, 8, 9, 10]
    # The notifications class keeps its 12 h: pruning it "now + 13 h" removes its event.
    later = datetime.now(UTC) + timedelta(hours=13)
    assert (await log.prune_class(db, NOTIFICATIONS, now=later)).deleted == 1


async def test_unit_of_work_notifies_after_commit_and_not_on_rollback(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=3)
    listener = await asyncpg.connect(database_url)
    got: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(log.EVENTS_CHANNEL, lambda *args: got.put_nowait(args[3]))
    try:
        async with log.unit_of_work(pool) as conn:
            await log.append(conn, "run:u:events", doc_key="a", payload=1)
            await log.append(conn, "run:u:events", doc_key="b", payload=2)
            await asyncio.sleep(0.2)
            assert got.empty()  # nothing inside the transaction
        assert await asyncio.wait_for(got.get(), 2) == "run:u:events 2"  # one wake-up per topic
        with pytest.raises(RuntimeError):
            async with log.unit_of_work(pool) as conn:
                await log.append(conn, "run:u:events", doc_key="c", payload=3)
                raise RuntimeError("domain write failed")
        await asyncio.sleep(0.3)
        assert got.empty()
        assert [e.seq for e in await log.read(pool, "run:u:events", after=0)] == [1, 2]
        # Outside a unit of work, append notifies inside the transaction as before.
        async with pool.acquire() as conn:
            await log.append(conn, "run:u:events", doc_key="d", payload=4)
        assert await asyncio.wait_for(got.get(), 2) == "run:u:events 3"
    finally:
        await listener.close()
        await pool.close()
