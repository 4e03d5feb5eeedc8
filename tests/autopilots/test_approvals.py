"""A tool call the policy sends for approval pauses the run; the autopilot's owner approves (the
call runs, the run goes on) or denies (the denial is receipted, the run goes on); strangers and
other people cannot decide; the same decision again is idempotent, the other one is 409."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.autopilots.executor import replay_run

from tests.autopilots.conftest import Person, wait_finished


async def _events(db: asyncpg.Connection, run_id: str) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT payload FROM khala_events WHERE topic = $1 ORDER BY seq", f"run:{run_id}:events")
    return [json.loads(bytes(r["payload"])) for r in rows]


async def _waiting(ada: Person, db: asyncpg.Connection, autopilot_id: str, text: str) -> tuple[str, dict[str, Any]]:
    run = (await ada.post(f"/api/autopilots/{autopilot_id}/stream", {"text": text})).json()["data"]
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        status = await db.fetchval("SELECT status FROM autopilot_runs WHERE id = $1", run["run_id"])
        if status == "waiting":
            break
        assert status in ("created", "running"), (status, await _events(db, run["run_id"]))
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    listed = await ada.get(f"/api/autopilots/{autopilot_id}/approvals")
    assert listed.status_code == 200, listed.text
    [approval] = listed.json()["data"]["approvals"]
    return run["run_id"], approval


async def test_approving_runs_the_call_and_resumes_the_run(ada: Person, bob: Person, db: asyncpg.Connection,
                                                          database_url: str) -> None:
    autopilot = await ada.autopilot(tool_policy={"whisper.send": "ask"})
    run_id, approval = await _waiting(ada, db, autopilot["id"], f"whisper lunch at noon? to {bob.id}")
    assert approval["tool"] == "whisper.send" and approval["status"] == "pending"
    assert approval["arguments"] == {"recipient_id": bob.id, "text": "lunch at noon?"}
    requested = [e for e in await _events(db, run_id) if e["type"] == "approval.requested"]
    assert [e["approval_id"] for e in requested] == [approval["id"]]
    assert await db.fetchval("SELECT count(*) FROM whispers") == 0  # nothing was sent while waiting

    path = f"/api/autopilots/{autopilot['id']}/approvals/{approval['id']}"
    stranger = await bob.post(path, {"decision": "approve"})
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "autopilot_not_found"
    assert (await ada.post(path, {"decision": "maybe"})).status_code == 422
    assert (await ada.post(path, {"decision": "approve", "extra": 1})).status_code == 422

    approved = await ada.post(path, {"decision": "approve", "note": "fine"})
    assert approved.status_code == 200, approved.text
    body = approved.json()["data"]
    assert body["status"] == "approved" and body["decided_by"] == ada.id and not body["idempotent_replay"]
    events = (await wait_finished(db, run_id))["events"]
    kinds = [e["type"] for e in events]
    assert kinds.index("approval.requested") < kinds.index("approval.decided") < kinds.index("run.finished")
    results = [e for e in events if e["type"] == "tool.result"]
    assert [(r["status"], r["decision"]["decision"]) for r in results] == [("needs_approval", "needs_approval"),
                                                                           ("succeeded", "allowed")]
    assert results[1]["invocation_id"] == f"{run_id}.call_1~approved"
    finished = events[-1]
    assert finished["status"] == "succeeded", finished
    assert await db.fetchval("SELECT count(*) FROM whispers WHERE recipient_id = $1", bob.id) == 1
    reply = next(e for e in events if e["type"] == "message.completed")["text"]
    assert "whisper.send: done" in reply
    audited = await db.fetchval("SELECT count(*) FROM audit_events WHERE event_name = 'autopilot.tool_call.approved' "
                                "AND user_id = $1", ada.id)
    assert audited == 1

    again = await ada.post(path, {"decision": "approve"})
    assert again.status_code == 200 and again.json()["data"]["idempotent_replay"] is True
    other = await ada.post(path, {"decision": "deny"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "approval_already_decided"
    assert await db.fetchval("SELECT count(*) FROM whispers WHERE recipient_id = $1", bob.id) == 1
    assert (await ada.get(f"/api/autopilots/{autopilot['id']}/approvals")).json()["data"]["approvals"] == []
    # The paused-and-approved run replays byte-identically.
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=init_connection)
    try:
        replayed = await replay_run(pool, run_id)
    finally:
        await pool.close()
    assert [r["identical"] for r in replayed] == [True, True], replayed


async def test_denying_records_the_denial_and_the_run_finishes(ada: Person, bob: Person,
                                                               db: asyncpg.Connection) -> None:
    autopilot = await ada.autopilot(tool_policy={"whisper.send": "ask"})
    run_id, approval = await _waiting(ada, db, autopilot["id"], f"whisper secrets to {bob.id}")
    denied = await ada.post(f"/api/autopilots/{autopilot['id']}/approvals/{approval['id']}", {"decision": "deny"})
    assert denied.status_code == 200 and denied.json()["data"]["status"] == "denied"
    events = (await wait_finished(db, run_id))["events"]
    results = [e for e in events if e["type"] == "tool.result"]
    assert results[-1]["status"] == "denied" and results[-1]["decision"]["reason_code"] == "policy_denied.explicit_deny"
    assert results[-1]["receipt_hash"].startswith("sha256:")
    assert events[-1]["type"] == "run.finished" and events[-1]["status"] == "succeeded"
    assert "denied" in next(e for e in events if e["type"] == "message.completed")["text"]
    assert await db.fetchval("SELECT count(*) FROM whispers") == 0
    row = await db.fetchrow("SELECT status, receipt_hash FROM tool_invocations WHERE invocation_id = $1",
                            f"{run_id}.call_1~denied")
    assert row["status"] == "denied" and row["receipt_hash"]


async def test_only_the_owner_decides(ada: Person, bob: Person, db: asyncpg.Connection) -> None:
    org_id = "org_crew"
    await db.execute("INSERT INTO orgs (id, slug, name) VALUES ($1, 'crew', 'Crew')", org_id)
    await db.execute("INSERT INTO org_memberships (org_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'admin')",
                     org_id, ada.id, bob.id)
    autopilot = await ada.autopilot(tool_policy={"whisper.send": "ask"}, org_id=org_id)
    _, approval = await _waiting(ada, db, autopilot["id"], f"whisper hi to {bob.id}")
    as_admin = await bob.post(f"/api/autopilots/{autopilot['id']}/approvals/{approval['id']}", {"decision": "approve"})
    assert as_admin.status_code == 403 and as_admin.json()["error"]["code"] == "not_autopilot_owner"
    assert (await bob.get(f"/api/autopilots/{autopilot['id']}/approvals")).status_code == 403
    unknown = await ada.post(f"/api/autopilots/{autopilot['id']}/approvals/apa_nope", {"decision": "approve"})
    assert unknown.status_code == 404
