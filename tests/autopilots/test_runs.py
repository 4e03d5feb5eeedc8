"""Acceptance: create an autopilot, open a thread, send "post hello to the feed" through the demo
adapter → the run calls feed.post, the shout is on the feed, the run's receipt names the tool call,
and replaying the run's calls in replay mode gives byte-identical receipts."""

from __future__ import annotations

import json

import asyncpg
from openagents_proto.canonical import canonical_json
from openagents_server.db.pool import init_connection
from openagents_server.domains.autopilots.executor import replay_run

from tests.autopilots.conftest import Person, wait_finished


async def test_post_hello_to_the_feed_runs_end_to_end_and_replays_byte_identically(ada: Person, db: asyncpg.Connection,
                                                                                  database_url: str) -> None:
    autopilot = await ada.autopilot()
    thread = (await ada.post(f"/api/autopilots/{autopilot['id']}/threads", {"title": "feed"})).json()["data"]
    accepted = await ada.post(f"/api/autopilots/{autopilot['id']}/stream",
                              {"text": "post hello to the feed", "thread_id": thread["id"], "client_run_id": "c1"})
    assert accepted.status_code == 202, accepted.text
    run = accepted.json()["data"]
    assert run["khala"]["topic"] == f"run:{run['run_id']}:events" and run["khala"]["scope"] == "runtime.run_events"
    events = (await wait_finished(db, run["run_id"]))["events"]
    kinds = [e["type"] for e in events]
    assert kinds == ["run.created", "run.started", "tool.call", "tool.result", "message.completed", "run.finished"]
    result = events[3]
    assert result["tool"] == "feed.post" and result["status"] == "succeeded"
    assert result["decision"]["reason_code"] == "policy_allowed.default"
    assert events[-1]["status"] == "succeeded"

    shouts = (await ada.get("/api/shouts")).json()["data"]["shouts"]
    assert [s["text"] for s in shouts] == ["hello"] and shouts[0]["author"]["id"] == ada.id

    stored = await db.fetchrow("SELECT receipt, receipt_hash FROM autopilot_runs WHERE id = $1", run["run_id"])
    receipt = json.loads(bytes(stored["receipt"]))
    assert receipt["status"] == "succeeded" and receipt["event_counts"]["tool.result"] == 1
    assert [(c["tool"], c["receipt_hash"]) for c in receipt["tool_calls"]] == [("feed.post", result["receipt_hash"])]
    assert events[-1]["receipt_hash"] == stored["receipt_hash"]

    # Replay every recorded call of the run: nothing is posted again, receipts are byte-identical.
    for call in receipt["tool_calls"]:
        original = await db.fetchval("SELECT receipt FROM tool_invocations WHERE invocation_id = $1",
                                     call["invocation_id"])
        replayed = await ada.tool(f"replay-{call['invocation_id']}", call["tool"], {"text": "hello"},
                                  mode="replay", replay_of=call["invocation_id"])
        assert replayed.status_code == 200, replayed.text
        assert canonical_json(replayed.json()["data"]["receipt"]) == bytes(original)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=init_connection)
    assert len((await ada.get("/api/shouts")).json()["data"]["shouts"]) == 1
    # the whole run at once (what ``openagents autopilots replay RUN_ID`` prints)
    replayed = await replay_run(pool, run["run_id"])
    assert [(c["tool"], c["identical"]) for c in replayed] == [("feed.post", True)]
    assert len((await ada.get("/api/shouts")).json()["data"]["shouts"]) == 1

    detail = (await ada.get(f"/api/autopilots/{autopilot['id']}/threads/{thread['id']}")).json()["data"]
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    shown = detail["runs"][0]
    assert shown["status"] == "succeeded" and [e["type"] for e in shown["events"]] == kinds
    assert shown["watermark"] == shown["events"][-1]["seq"]

    await pool.close()
    again = await ada.post(f"/api/autopilots/{autopilot['id']}/stream",
                           {"text": "post hello to the feed", "thread_id": thread["id"], "client_run_id": "c1"})
    assert again.status_code == 200 and again.json()["data"]["run_id"] == run["run_id"]


async def test_a_tool_outside_the_policy_is_denied_in_the_run_with_its_reason_code(ada: Person,
                                                                                  db: asyncpg.Connection) -> None:
    autopilot = await ada.autopilot(tool_policy={"noop": "allow"})
    run = (await ada.post(f"/api/autopilots/{autopilot['id']}/stream",
                          {"text": "post secrets to the feed"})).json()["data"]
    events = (await wait_finished(db, run["run_id"]))["events"]
    result = next(e for e in events if e["type"] == "tool.result")
    assert result["status"] == "denied" and result["decision"]["reason_code"] == "policy_denied.explicit_deny"
    reply = next(e for e in events if e["type"] == "message.completed")
    assert "policy_denied.explicit_deny" in reply["text"]
    assert (await ada.get("/api/shouts")).json()["data"]["shouts"] == []


async def test_a_plain_message_gets_the_demo_reply_and_the_thread_keeps_both_sides(ada: Person,
                                                                                   db: asyncpg.Connection) -> None:
    autopilot = await ada.autopilot()
    run = (await ada.post(f"/api/autopilots/{autopilot['id']}/stream", {"text": "hi there"})).json()["data"]
    events = (await wait_finished(db, run["run_id"]))["events"]
    assert next(e for e in events if e["type"] == "message.completed")["text"].startswith("(demo) You said: hi there")
    rows = await db.fetch("SELECT role FROM autopilot_messages WHERE thread_id = $1 ORDER BY n", run["thread_id"])
    assert [r["role"] for r in rows] == ["user", "assistant"]
    started = next(e for e in events if e["type"] == "run.started")
    assert started["dropped_messages"] == 0 and started["context_hash"].startswith("sha256:")


async def test_tool_calls_with_a_run_id_need_the_callers_own_running_run(ada: Person, bob: Person,
                                                                         db: asyncpg.Connection) -> None:
    autopilot = await ada.autopilot()
    run = (await ada.post(f"/api/autopilots/{autopilot['id']}/stream", {"text": "hi"})).json()["data"]
    await wait_finished(db, run["run_id"])
    foreign = await bob.tool("b-1", "noop", run_id=run["run_id"])
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "run_not_found"
    finished = await ada.tool("a-1", "noop", run_id=run["run_id"])
    assert finished.status_code == 409 and finished.json()["error"]["code"] == "run_not_active"
