"""What the chat, workers and admin pages read: the Codex thread list, a thread snapshot that names the
worker-topic seq it includes, a request's outcome, the narrower runtime PAT abilities, the admin view."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.khala import log
from openagents_server.settings import Settings, load_settings

from tests.identity.conftest import sign_in
from tests.runtime.conftest import BASE, Person

THREADS = "/api/runtime/codex/threads"


def apply(messages: dict[str, str], payload: dict[str, Any]) -> None:
    """What a page does with one worker-topic event: the user's turn, an assistant item, a delta."""
    if payload.get("type") == "codex.request" and payload.get("method") == "turn/start":
        messages[f"user:{payload['run_id']}"] = payload["params"]["text"]
    elif payload.get("type") == "codex.notification":
        params = payload["params"]
        if payload["method"] == "item/started":
            messages.setdefault(params["item_id"], "")
        elif payload["method"] == "item/agentMessage/delta":
            messages[params["item_id"]] += params["delta"]


async def events_after(db: asyncpg.Connection, topic: str, seq: int) -> list[dict[str, Any]]:
    return [json.loads(e.payload) for e in await log.read(db, topic, seq, limit=10_000)]


async def test_threads_are_listed_in_the_codex_shape_newest_first_with_a_cursor(ada: Person, bob: Person) -> None:
    worker = await ada.worker()
    for n in range(3):
        thread = await ada.thread(worker, f"thr_{n}")
        await ada.turn(worker, thread, f"t{n}", f"question number {n}")
    first = await ada.get(f"{THREADS}?limit=2")
    assert first.status_code == 200, first.text
    page = first.json()["data"]
    assert [t["id"] for t in page["data"]] == ["thr_2", "thr_1"]
    assert page["data"][0] | {"created_at": None, "updated_at": None} == {
        "id": "thr_2", "preview": "question number 2", "model_provider": "demo", "worker_id": worker,
        "worker_status": "running", "turn_count": 1, "created_at": None, "updated_at": None}
    rest = (await ada.get(f"{THREADS}?limit=2&cursor={page['next_cursor']}")).json()["data"]
    assert [t["id"] for t in rest["data"]] == ["thr_0"] and rest["next_cursor"] is None
    assert (await ada.get(f"{THREADS}?worker_id=nope")).json()["data"]["data"] == []
    assert (await bob.get(THREADS)).json()["data"]["data"] == []
    assert (await ada.get(f"{THREADS}?cursor=!!")).status_code == 422
    bad = await ada.get(f"{THREADS}?cursor=bm9wZQ")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_cursor"


async def test_a_snapshot_then_the_events_after_its_worker_seq_rebuild_the_thread_exactly(
        ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    await ada.turn(worker, thread, "t1", "first", deltas=("a", "b"))
    # A second turn is half way through when the page (re)loads.
    accepted = await ada.request(worker, "t2", "turn/start", thread_id=thread, text="second")
    assert accepted.status_code == 202
    ids = {"thread_id": thread, "turn_id": "turn_t2"}
    item = {**ids, "item_id": "item_t2"}
    note = [{"event_type": "codex.notification", "request_id": "t2", "event_id": f"t2:{i}",
             "payload": {"method": m, "params": p}} for i, (m, p) in enumerate([
                 ("turn/started", ids), ("item/started", {**item, "item_kind": "agent_message"}),
                 ("item/agentMessage/delta", {**item, "delta": "Hel"})])]
    assert (await ada.events(worker, *note)).status_code == 200

    snap = (await ada.get(f"{THREADS}/{thread}")).json()["data"]
    topic = f"worker:{worker}:events"
    assert snap["khala"] == {"topic": topic, "worker_seq": (await log.topic_states(db, [topic]))[topic].head,
                             "floor_seq": 0, "scope": "runtime.codex_worker_events"}
    assert [(m["role"], m["text"], m["status"]) for m in snap["messages"]] == [
        ("user", "first", "completed"), ("assistant", "ab", "completed"),
        ("user", "second", "completed"), ("assistant", "Hel", "in_progress")]
    assert snap["active_turns"] == [{"run_id": accepted.json()["data"]["response"]["run_id"], "request_id": "t2",
                                     "status": "running", "turn_id": "turn_t2"}]
    assert snap["worker"]["worker_id"] == worker and snap["thread"]["turn_count"] == 2

    rest = [{"event_type": "codex.notification", "request_id": "t2", "event_id": f"t2:{i}",
             "payload": {"method": "item/agentMessage/delta", "params": {**item, "delta": d}}}
            for i, d in enumerate(["lo", " wor", "ld"], start=10)]
    assert (await ada.events(worker, *rest)).status_code == 200
    page = {m["item_id"]: m["text"] for m in snap["messages"]}
    for payload in await events_after(db, topic, snap["khala"]["worker_seq"]):
        apply(page, payload)
    assert page["item_t2"] == "Hello world"
    final = (await ada.get(f"{THREADS}/{thread}")).json()["data"]
    assert page == {m["item_id"]: m["text"] for m in final["messages"]}


async def test_snapshots_taken_while_a_reply_streams_never_miss_or_repeat_a_delta(
        ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    assert (await ada.request(worker, "t1", "turn/start", thread_id=thread, text="go")).status_code == 202
    item = {"thread_id": thread, "turn_id": "turn_1", "item_id": "item_1"}
    await ada.events(worker, {"event_type": "codex.notification", "request_id": "t1", "event_id": "s",
                              "payload": {"method": "item/started", "params": {**item, "item_kind": "agent_message"}}})
    deltas = [f"<{n}>" for n in range(45)]
    worker_token = await pat(ada, "runtime:write")  # its own API budget, apart from the page's

    async def stream() -> None:
        for n in range(0, len(deltas), 3):
            batch = [{"event_type": "codex.notification", "request_id": "t1", "event_id": f"d{n + k}",
                      "payload": {"method": "item/agentMessage/delta", "params": {**item, "delta": deltas[n + k]}}}
                     for k in range(3)]
            sent = await ada.client.post(f"{BASE}/{worker}/events", json={"events": batch}, headers=worker_token)
            assert sent.status_code == 200, sent.text
            await asyncio.sleep(0.01)

    writer = asyncio.create_task(stream())
    snaps = []
    while not writer.done():
        answer = await ada.get(f"{THREADS}/{thread}")
        assert answer.status_code == 200, answer.text
        snaps.append(answer.json()["data"])
        await asyncio.sleep(0.02)
    await writer
    topic = f"worker:{worker}:events"
    for snap in snaps:
        page = {m["item_id"]: m["text"] for m in snap["messages"]}
        for payload in await events_after(db, topic, snap["khala"]["worker_seq"]):
            apply(page, payload)
        assert page["item_1"] == "".join(deltas), snap["khala"]["worker_seq"]
    assert len({s["khala"]["worker_seq"] for s in snaps}) > 1  # they were taken mid-stream


async def test_a_request_outcome_is_accepted_until_the_worker_answers(ada: Person, bob: Person) -> None:
    worker = await ada.worker()
    assert (await ada.request(worker, "s1", "thread/start")).status_code == 202
    pending = (await ada.get(f"{BASE}/{worker}/requests/s1")).json()["data"]
    assert pending["status"] == "accepted" and pending["response"] is None and pending["method"] == "thread/start"
    await ada.answer(worker, "s1", ("thread/started", {"thread_id": "thr_x"}), result={"thread_id": "thr_x"})
    done = (await ada.get(f"{BASE}/{worker}/requests/s1")).json()["data"]
    assert done["status"] == "completed" and done["response"] == {"ok": True, "result": {"thread_id": "thr_x"}}
    assert done["terminal_seq"] > done["request_seq"]
    assert (await ada.get(f"{BASE}/{worker}/requests/nope")).status_code == 404
    for path in (f"{BASE}/{worker}/requests/s1", f"{THREADS}/thr_x"):
        refused = await bob.get(path)
        assert refused.status_code == 404, (path, refused.text)


async def pat(person: Person, *abilities: str) -> dict[str, str]:
    created = await person.post("/api/tokens", {"name": "t", "abilities": list(abilities)})
    assert created.status_code == 201, created.text
    return {"authorization": f"Bearer {created.json()['data']['token']}"}


async def test_runtime_read_reads_and_runtime_write_also_acts(ada: Person, client: AsyncTestClient) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    reader, writer, other = (await pat(ada, "runtime:read"), await pat(ada, "runtime:write", "sync:token"),
                             await pat(ada, "profile:read"))
    for path in (BASE, f"{BASE}/{worker}", f"{BASE}/{worker}/stream", THREADS, f"{THREADS}/{thread}",
                 f"/api/chats/{thread}/messages"):
        assert (await client.get(path, headers=reader)).status_code == 200, path
        assert (await client.get(path, headers=writer)).status_code == 200, path
        refused = await client.get(path, headers=other)
        assert refused.status_code == 403 and "runtime:read" in refused.json()["error"]["message"], path
    body = {"request_id": "r1", "method": "thread/list"}
    refused = await client.post(f"{BASE}/{worker}/requests", json=body, headers=reader)
    assert refused.status_code == 403 and "runtime:write" in refused.json()["error"]["message"]
    assert (await client.post(f"{BASE}/{worker}/requests", json=body, headers=writer)).status_code == 202
    assert (await client.post(BASE, json={}, headers=writer)).status_code == 201
    assert (await client.post("/api/sync/token", json={"scopes": ["runtime.codex_worker_events"]},
                              headers=writer)).status_code == 200


@pytest.fixture
async def admin_client(database_url: str) -> AsyncIterator[AsyncTestClient]:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             admin_emails=("root@example.com",))
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_an_administrator_sees_every_worker_and_run_and_can_stop_any_worker(
        admin_client: AsyncTestClient, db: asyncpg.Connection, settings: Settings) -> None:
    del settings
    ada = Person(await sign_in(admin_client, db, "ada@example.com"), admin_client)
    root = Person(await sign_in(admin_client, db, "root@example.com"), admin_client)
    worker = await ada.worker()
    thread = await ada.thread(worker)
    assert (await ada.request(worker, "t1", "turn/start", thread_id=thread, text="hi")).status_code == 202

    for path in ("/api/admin/runtime", "/api/admin/runtime/runs"):
        refused = await ada.get(path)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_required"
    admin_pat = await pat(root, "*")
    assert (await admin_client.get("/api/admin/runtime", headers=admin_pat)).status_code == 403

    overview = (await root.get("/api/admin/runtime")).json()["data"]
    assert [(w["worker_id"], w["owner_email"], w["status"], w["open_runs"]) for w in overview["workers"]] == [
        (worker, "ada@example.com", "running", 1)]
    assert [(r["method"], r["status"], r["owner_email"]) for r in overview["runs"]] == [
        ("turn/start", "created", "ada@example.com"), ("thread/start", "succeeded", "ada@example.com")]
    assert overview["run_counts"] == {"created": 1, "succeeded": 1}
    runs = (await root.get("/api/admin/runtime/runs?status=succeeded")).json()["data"]["runs"]
    assert [r["method"] for r in runs] == ["thread/start"]
    assert (await root.get("/api/admin/runtime/runs?status=Nope!")).status_code == 422

    refused = await ada.post(f"/api/admin/runtime/workers/{worker}/stop")
    assert refused.status_code == 403
    stopped = await root.post(f"/api/admin/runtime/workers/{worker}/stop", {"reason": "abuse report"})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["data"]["status"] == "stopping"
    assert (await root.post("/api/admin/runtime/workers/nope/stop")).status_code == 404
    outcome = (await ada.get(f"{BASE}/{worker}/requests/t1")).json()["data"]
    assert outcome["status"] == "failed" and outcome["response"]["error"]["code"] == "worker_stopped"
    audited = await db.fetchrow("SELECT user_id, attributes::text AS attributes FROM audit_events WHERE event_name = 'runtime.worker.admin_stop'")
    assert audited["user_id"] == root.session.user_id and json.loads(audited["attributes"])["reason"] == "abuse report"


async def test_a_reply_cut_short_by_a_worker_stop_is_marked_failed_with_the_reason(ada: Person) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    assert (await ada.request(worker, "t1", "turn/start", thread_id=thread, text="go")).status_code == 202
    item = {"thread_id": thread, "turn_id": "turn_1", "item_id": "item_1"}
    await ada.events(worker, *[{"event_type": "codex.notification", "request_id": "t1", "event_id": f"e{i}",
                                "payload": {"method": m, "params": p}} for i, (m, p) in enumerate([
                                    ("item/started", {**item, "item_kind": "agent_message"}),
                                    ("item/agentMessage/delta", {**item, "delta": "half a rep"})])])
    assert (await ada.post(f"{BASE}/{worker}/stop")).status_code == 200
    snap = (await ada.get(f"{THREADS}/{thread}")).json()["data"]
    assert [(m["role"], m["text"], m["status"], m["reason"]) for m in snap["messages"]] == [
        ("user", "go", "completed", ""), ("assistant", "half a rep", "failed", "worker_stopped")]
    assert snap["active_turns"] == [] and snap["worker"]["status"] == "stopping"
