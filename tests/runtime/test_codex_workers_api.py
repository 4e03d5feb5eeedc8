"""The Codex worker API against a real PostgreSQL: lifecycle, requests, events, receipts."""

from __future__ import annotations

import json

import asyncpg
from openagents_server.domains.runtime import receipts
from openagents_server.domains.runtime import repository as runtime

from tests.runtime.conftest import BASE, Person


async def test_a_registered_worker_starts_then_runs_when_it_reports_in(ada: Person) -> None:
    created = await ada.post(BASE, {"adapter": "demo", "metadata": {"host": "laptop"}})
    assert created.status_code == 201
    worker = created.json()["data"]["worker"]
    assert worker["status"] == "starting" and worker["heartbeat_state"] == "missing"
    assert worker["topic"] == f"worker:{worker['worker_id']}:events"
    started = await ada.events(worker["worker_id"], {"event_type": "worker.started"})
    assert started.json()["data"]["worker"]["status"] == "running"
    shown = (await ada.get(f"{BASE}/{worker['worker_id']}")).json()["data"]
    assert shown["status"] == "running" and shown["heartbeat_state"] == "healthy"
    listed = (await ada.get(BASE)).json()["data"]["workers"]
    assert [w["worker_id"] for w in listed] == [worker["worker_id"]]


async def test_the_same_idempotency_key_registers_one_worker(ada: Person) -> None:
    first = await ada.post(BASE, {"idempotency_key": "laptop-1"})
    again = await ada.post(BASE, {"idempotency_key": "laptop-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["data"]["idempotent_replay"] is True
    assert again.json()["data"]["worker"]["worker_id"] == first.json()["data"]["worker"]["worker_id"]


async def test_a_turn_streams_into_the_thread_and_ends_with_one_receipt(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    done = await ada.turn(worker, thread, "req-1", "Say hello", deltas=("Hel", "lo", " there"))
    assert done.status_code == 200, done.text
    assert done.json()["data"]["results"][-1]["status"] == "succeeded"
    messages = (await ada.get(f"/api/chats/{thread}/messages")).json()["data"]["messages"]
    assert [(m["role"], m["content"], m["status"]) for m in messages] == [
        ("user", "Say hello", "completed"), ("assistant", "Hello there", "completed")]
    run_id = messages[-1]["run_id"]
    assert await db.fetchval("SELECT count(*) FROM runtime_receipts WHERE run_id = $1", run_id) == 1
    stored = json.loads(await db.fetchval("SELECT receipt FROM runtime_receipts WHERE run_id = $1", run_id))
    assert stored["schema"] == "openagents.receipt.v1" and stored["status"] == "succeeded"
    assert stored["event_counts"]["codex.notification"] == 7
    assert stored["seq_range"] == {"first": 1, "last": stored["event_count"]}


async def test_the_same_request_id_twice_is_one_execution_and_one_receipt(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    first = await ada.request(worker, "req-dup", "turn/start", thread_id=thread, text="hi")
    again = await ada.request(worker, "req-dup", "turn/start", thread_id=thread, text="hi")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["data"]["idempotent_replay"] is True
    assert again.json()["data"]["response"]["run_id"] == first.json()["data"]["response"]["run_id"]
    topic = f"worker:{worker}:events"
    assert await db.fetchval("SELECT count(*) FROM khala_events WHERE topic = $1 AND kind = 'codex.request' "
                             "AND doc_key = 'req-dup'", topic) == 1
    response = {"event_type": "codex.response", "request_id": "req-dup", "payload": {"ok": True, "result": {}}}
    assert (await ada.events(worker, response)).status_code == 200
    replayed = await ada.events(worker, response)  # a retried terminal report is not a second outcome
    assert replayed.status_code == 200 and replayed.json()["data"]["results"][0]["duplicate"] is True
    other = await ada.events(worker, {**response, "payload": {"ok": False, "error": {"code": "x", "message": "y"}}})
    assert other.status_code == 409 and other.json()["error"]["code"] == "request_already_terminal"
    run_id = first.json()["data"]["response"]["run_id"]
    assert await db.fetchval("SELECT count(*) FROM runtime_receipts WHERE run_id = $1", run_id) == 1
    stored = await db.fetchrow("SELECT jsonb_typeof(params), params->>'text', jsonb_typeof(response) "
                               "FROM runtime_requests WHERE request_id = 'req-dup'")
    assert tuple(stored) == ("object", "hi", "object")
    assert await db.fetchval("SELECT count(*) FROM khala_events WHERE topic = $1 AND kind = 'codex.response' "
                             "AND doc_key = 'req-dup'", topic) == 1


async def test_a_reused_request_id_with_other_params_is_refused(ada: Person) -> None:
    worker = await ada.worker()
    assert (await ada.request(worker, "r", "thread/start")).status_code == 202
    reused = await ada.request(worker, "r", "thread/list")
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "request_id_reused"


async def test_requests_need_a_running_worker_and_valid_params(ada: Person) -> None:
    created = (await ada.post(BASE, {})).json()["data"]["worker"]["worker_id"]
    refused = await ada.request(created, "r1", "thread/start")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "worker_not_running"
    worker = await ada.worker()
    bad = await ada.request(worker, "r2", "turn/start", thread_id="thr_x")
    assert bad.status_code == 422 and "params.text" in bad.json()["errors"]
    unknown = await ada.post(f"{BASE}/{worker}/requests", {"request_id": "r3", "method": "rm/rf"})
    assert unknown.status_code == 422
    missing_thread = await ada.request(worker, "r4", "turn/start", thread_id="thr_nope", text="x")
    assert missing_thread.status_code == 404 and missing_thread.json()["error"]["code"] == "thread_not_found"


async def test_an_invalid_notification_is_refused_with_the_field_named(ada: Person) -> None:
    worker = await ada.worker()
    await ada.request(worker, "r1", "thread/start")
    bad = await ada.events(worker, {"event_type": "codex.notification", "request_id": "r1",
                                    "payload": {"method": "turn/started", "params": {"thread_id": "t"}}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_notification"


async def test_interrupt_cancels_the_running_turn(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    accepted = await ada.request(worker, "t1", "turn/start", thread_id=thread, text="long story")
    run_id = accepted.json()["data"]["response"]["run_id"]
    ids = {"thread_id": thread, "turn_id": "turn_t1"}
    await ada.events(worker, {"event_type": "codex.notification", "request_id": "t1",
                              "payload": {"method": "turn/started", "params": ids}})
    interrupt = await ada.request(worker, "i1", "turn/interrupt", thread_id=thread)
    assert interrupt.status_code == 202
    assert (await ada.request(worker, "i1", "turn/interrupt", thread_id=thread)).status_code == 200  # a retry
    assert await db.fetchval("SELECT status FROM runtime_runs WHERE id = $1", run_id) == "canceling"
    await ada.answer(worker, "t1", ("turn/completed", {**ids, "status": "interrupted"}),
                     result={"turn_status": "interrupted"})
    assert await db.fetchval("SELECT status FROM runtime_runs WHERE id = $1", run_id) == "canceled"
    kinds = [r[0] for r in await db.fetch("SELECT kind FROM khala_events WHERE topic = $1 ORDER BY seq",
                                          f"run:{run_id}:events")]
    assert kinds[:2] == ["run.created", "run.started"] and "run.cancel_requested" in kinds
    assert kinds[-1] == "run.finished"


async def test_stopping_a_worker_mid_turn_fails_the_turn_and_a_restart_works(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    accepted = await ada.request(worker, "t1", "turn/start", thread_id=thread, text="hi")
    run_id = accepted.json()["data"]["response"]["run_id"]
    stopped = await ada.post(f"{BASE}/{worker}/stop")
    assert stopped.status_code == 200 and stopped.json()["data"]["status"] == "stopping"
    assert await db.fetchval("SELECT status || ':' || reason_class FROM runtime_runs WHERE id = $1", run_id) == \
        "failed:worker_stopped"
    late = await ada.answer(worker, "t1", result={})
    assert late.status_code == 409 and late.json()["error"]["code"] == "request_already_terminal"
    ack = await ada.events(worker, {"event_type": "worker.stopped"})
    assert ack.json()["data"]["worker"]["status"] == "stopped"
    again = await ada.post(f"{BASE}/{worker}/stop")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_worker_transition"
    beat = await ada.events(worker, {"event_type": "worker.heartbeat"})
    assert beat.status_code == 409 and beat.json()["error"]["code"] == "invalid_worker_transition"
    restarted = await ada.post(BASE, {"worker_id": worker})
    assert restarted.status_code == 201 and restarted.json()["data"]["worker"]["status"] == "starting"
    await ada.events(worker, {"event_type": "worker.started"})
    assert (await ada.turn(worker, thread, "t2", "again")).status_code == 200


async def test_the_stored_receipt_is_rebuilt_byte_for_byte_from_the_log(ada: Person, db: asyncpg.Connection) -> None:
    from openagents_server.khala import log

    worker = await ada.worker()
    thread = await ada.thread(worker)
    await ada.turn(worker, thread, "t1", "hello")
    for run_id in await runtime.all_run_ids(db):
        run = await runtime.run(db, run_id)
        assert run is not None
        events = await log.read(db, f"run:{run_id}:events", 0, 1000)
        rebuilt = receipts.build(run, events)
        stored = await db.fetchrow("SELECT receipt, receipt_hash FROM runtime_receipts WHERE run_id = $1", run_id)
        assert bytes(stored["receipt"]) == rebuilt.body and stored["receipt_hash"] == rebuilt.receipt_hash
        assert rebuilt.replay == receipts.build(run, events).replay
        assert len(rebuilt.replay.splitlines()) == len(events)


async def test_a_worker_gets_sixty_requests_a_minute(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    assert (await ada.request(worker, "r1", "thread/list")).status_code == 202
    # 58 more of this minute's budget used, written directly (58 requests would take long enough to
    # refill the bucket): the limit is a GCRA bucket whose theoretical arrival time is 1 s per request
    # ahead of now, so 59 used requests put it 59 s ahead. The next two requests run well within 1 s.
    await db.execute("UPDATE rate_limit_buckets SET tat = now() + make_interval(secs => 59) WHERE bucket = $1",
                     f"codex_worker_requests:{worker}")
    assert (await ada.request(worker, "r59", "thread/list")).status_code == 202  # the 60th
    limited = await ada.request(worker, "r60", "thread/list")
    assert limited.status_code == 429 and limited.headers["retry-after"]
    replay = await ada.request(worker, "r1", "thread/list")  # a retry of an accepted id still answers
    assert replay.status_code == 200


async def test_a_notification_with_a_stale_expected_previous_seq_is_refused(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    accepted = await ada.request(worker, "r1", "thread/start")
    run_id = accepted.json()["data"]["response"]["run_id"]
    event = {"event_type": "codex.notification", "request_id": "r1",
             "payload": {"method": "thread/started", "params": {"thread_id": "thr_e"}}}
    head = await db.fetchval("SELECT head_seq FROM khala_topics WHERE topic = $1", f"run:{run_id}:events")
    stale = await ada.events(worker, {**event, "expected_previous_seq": head + 5})
    assert stale.status_code == 409 and stale.json()["error"]["reason"] == "expected_previous_seq_mismatch"
    # run.started (appended first in the same batch) moved the head: the worker names that seq.
    fresh = await ada.events(worker, {**event, "expected_previous_seq": head + 1})
    assert fresh.status_code == 200, fresh.text
