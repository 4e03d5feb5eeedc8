"""Reprojecting the log rebuilds the same read models (same summary hash) and the same receipts."""

from __future__ import annotations

import asyncpg
from openagents_server.domains.runtime import projector
from openagents_server.domains.runtime import repository as runtime
from openagents_server.domains.runtime.cli import receipt_of, reproject_all

from tests.runtime.conftest import Person


async def test_reprojecting_the_log_reproduces_identical_read_models_and_receipts(
        ada: Person, bob: Person, db: asyncpg.Connection, database_url: str) -> None:
    for person, name in ((ada, "a"), (bob, "b")):
        worker = await person.worker()
        thread = await person.thread(worker, f"thr_{name}")
        await person.turn(worker, thread, f"{name}1", "first", deltas=("one", " two"))
        await person.turn(worker, thread, f"{name}2", "second", deltas=("three",))
    stored = {r["run_id"]: bytes(r["receipt"]) for r in await db.fetch("SELECT run_id, receipt FROM runtime_receipts")}
    before = await projector.summary_hash(db)
    result = await reproject_all(database_url)
    assert result["before"] == before == result["after"]
    assert result["events_applied"] > 20 and result["drift"] == [] and result["receipts_mismatched"] == []
    assert await projector.summary_hash(db) == before
    for run_id, body in stored.items():
        assert (await receipt_of(database_url, run_id))["rebuilt"].body == body


async def test_applying_an_event_twice_is_a_no_op_and_a_gap_is_reported(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    await ada.turn(worker, thread, "t1", "hi", deltas=("x",))
    run = await runtime.run(db, await db.fetchval("SELECT id FROM runtime_runs WHERE request_id = 't1'"))
    assert run is not None
    before = await projector.summary_hash(db)
    delta = {"method": "item/agentMessage/delta", "params": {"thread_id": thread, "item_id": "item_t1", "delta": "!"}}
    async with db.transaction():
        assert await projector.apply(db, run, 3, "codex.notification", delta) is False  # already applied
        assert await projector.apply(db, run, 999, "codex.notification", delta) is False  # a gap
    assert await projector.summary_hash(db) == before
    drift = await db.fetch("SELECT topic, expected_seq, got_seq FROM runtime_drift_reports")
    assert [tuple(r) for r in drift] == [(f"run:{run.id}:events", run.latest_seq + 1, 999)]
