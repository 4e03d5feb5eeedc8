"""Each runtime repository struct equals the row it was built from (``tests/support/rows.py``)."""

from __future__ import annotations

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.runtime import repository as runtime

from tests.support.rows import read


async def test_every_runtime_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)
    for user_id in ("usr_a", "usr_b"):
        await db.execute("INSERT INTO users (id, provider, provider_user_id, email) VALUES ($1, 'local', $1, $2)",
                         user_id, f"{user_id}@example.com")

    # workers
    worker = await read(db, lambda c: runtime.insert_worker(c, "wkr_1", "usr_a", "org_1", "demo", {"k": "v"}, "key-1"))
    assert (worker.id, worker.org_id, worker.status, worker.metadata, worker.heartbeat_fresh) == (
        "wkr_1", "org_1", "starting", '{"k": "v"}', False)
    assert await runtime.insert_worker(db, "wkr_1", "usr_a", None, "demo", {}, None) is None
    assert (await read(db, lambda c: runtime.worker(c, "wkr_1", lock=True))).adapter == "demo"
    assert await runtime.worker(db, "wkr_9") is None
    assert (await read(db, lambda c: runtime.worker_by_key(c, "usr_a", "key-1"))).id == "wkr_1"
    beat = await read(db, lambda c: runtime.set_worker(c, "wkr_1", status="running", latest_seq=3, heartbeat=True))
    assert (beat.status, beat.latest_seq, beat.heartbeat_fresh) == ("running", 3, True)
    await runtime.insert_worker(db, "wkr_2", "usr_a", None, "codex", {}, None)
    assert [w.id for w in await read(db, lambda c: runtime.workers_for_user(c, "usr_a", 10))] == ["wkr_2", "wkr_1"]

    # runs, requests, receipts
    run = await read(db, lambda c: runtime.insert_run(c, "run_1", "usr_a", None, "wkr_1", "req_1", "thr_1"))
    assert (run.id, run.worker_id, run.request_id, run.thread_id, run.status, run.reason_class) == (
        "run_1", "wkr_1", "req_1", "thr_1", "created", None)
    await runtime.insert_request(db, "wkr_1", "req_1", "turn/start", {"thread_id": "thr_1", "text": "hi"}, "run_1", 4)
    moved = await read(db, lambda c: runtime.set_run(c, "run_1", "running", 2))
    assert (moved.status, moved.latest_seq) == ("running", 2)
    assert (await read(db, lambda c: runtime.run(c, "run_1", lock=True))).status == "running"
    assert await runtime.run(db, "run_9") is None
    assert [r.id for r in await read(db, lambda c: runtime.open_runs_of_worker(c, "wkr_1"))] == ["run_1"]
    assert (await read(db, lambda c: runtime.open_turn_run(c, "wkr_1", "thr_1", None))).id == "run_1"
    request = await read(db, lambda c: runtime.request(c, "wkr_1", "req_1"))
    assert (request.method, request.run_id, request.status, request.request_seq, request.response,
            request.terminal_seq) == ("turn/start", "run_1", "accepted", 4, None, None)
    assert await runtime.finish_request(db, "wkr_1", "req_1", "completed", {"ok": True}, 9) is True
    finished = await read(db, lambda c: runtime.request(c, "wkr_1", "req_1", lock=True))
    assert (finished.status, finished.response, finished.terminal_seq) == ("completed", '{"ok": true}', 9)
    await runtime.insert_receipt(db, "run_1", b"{}", "sha256:x")
    stored = await read(db, lambda c: runtime.receipt(c, "run_1"))
    assert (stored.run_id, bytes(stored.receipt), stored.receipt_hash) == ("run_1", b"{}", "sha256:x")
    await db.execute("UPDATE runtime_runs SET policy = '{\"integrations\": [\"resend\"]}' WHERE id = 'run_1'")
    scope = await read(db, lambda c: runtime.run_scope(c, "run_1"))
    assert (scope.user_id, scope.status, scope.integrations) == ("usr_a", "running", ["resend"])
    assert await runtime.run_scope(db, "run_9") is None

    # read models
    await runtime.insert_thread(db, "thr_1", "wkr_1", "usr_a")
    await runtime.add_turn(db, "thr_1", "hello there")
    await runtime.insert_message(db, "thr_1", "user:run_1", "run_1", "", "user", "hi", "completed")
    await runtime.insert_message(db, "thr_1", "item_1", "run_1", "turn_1", "assistant", "", "in_progress")
    await runtime.append_delta(db, "thr_1", "item_1", "Hello", "usr_a")
    thread = await read(db, lambda c: runtime.thread(c, "thr_1"))
    assert (thread.id, thread.worker_id, thread.title, thread.turn_count) == ("thr_1", "wkr_1", "hello there", 1)
    assert await runtime.thread(db, "thr_9") is None
    assert [t.id for t in await read(db, lambda c: runtime.threads_for_user(c, "usr_a", 10, "wkr_1"))] == ["thr_1"]
    messages = await read(db, lambda c: runtime.messages(c, "thr_1", 10))
    assert [(m.item_id, m.role, m.text, m.position) for m in messages] == [
        ("user:run_1", "user", "hi", 1), ("item_1", "assistant", "Hello", 2)]
    threads, msgs = await runtime.read_model_rows(db)
    summary = await read(db, _read_models)
    assert summary == [*threads, *msgs] and [m.item_id for m in msgs] == ["user:run_1", "item_1"]
    assert [r.id for r in await read(db, lambda c: runtime.runs_for_thread(c, "thr_1"))] == ["run_1"]
    await runtime.insert_drift(db, "run:run_1:events", 3, 7)
    drift = await read(db, runtime.drift_reports)
    assert [(d.topic, d.expected_seq, d.got_seq) for d in drift] == [("run:run_1:events", 3, 7)]

    # pages and the admin console
    page = await read(db, lambda c: runtime.threads_page(c, "usr_a", 10, None, None))
    assert [(t.id, t.adapter, t.worker_status) for t in page] == [("thr_1", "demo", "running")]
    assert (await read(db, lambda c: runtime.thread_with_worker(c, "thr_1"))).worker_status == "running"
    assert await runtime.thread_with_worker(db, "thr_9") is None
    turns = await read(db, lambda c: runtime.open_turns_of_thread(c, "thr_1"))
    assert [(t.run_id, t.request_id, t.status, t.turn_id) for t in turns] == [("run_1", "req_1", "running", "turn_1")]
    admin_workers = await read(db, lambda c: runtime.all_workers(c, 10, "running"))
    assert [(w.id, w.owner_email, w.open_runs) for w in admin_workers] == [("wkr_1", "usr_a@example.com", 1)]
    admin_runs = await read(db, lambda c: runtime.recent_runs(c, 10, None))
    assert [(r.id, r.method, r.owner_email) for r in admin_runs] == [("run_1", "turn/start", "usr_a@example.com")]
    assert await runtime.run_counts(db) == {"running": 1}


async def _read_models(conn: asyncpg.Connection) -> list[runtime.ThreadSummary | runtime.MessageSummary]:
    """Both lists of :func:`runtime.read_model_rows` as one, in the order their rows were fetched."""
    threads, messages = await runtime.read_model_rows(conn)
    return [*threads, *messages]
