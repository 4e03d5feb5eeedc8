"""Each repository struct of skills, tools and autopilots equals the row it was built from
(``tests/support/rows.py``; the rule is in ``docs/CONTRIBUTING.md``)."""

from __future__ import annotations

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.autopilots import repository as autopilots
from openagents_server.domains.skills import repository as skills
from openagents_server.domains.tools import repository as tools

from tests.support.rows import read


async def _user(db: asyncpg.Connection, user_id: str) -> None:
    await db.execute("INSERT INTO users (id, provider, provider_user_id, email) VALUES ($1, 'local', $1, $2)",
                     user_id, f"{user_id}@example.com")


async def test_skill_structs_match_their_rows(db: asyncpg.Connection) -> None:
    await init_connection(db)  # JSON columns decode as the server's pool decodes them
    await _user(db, "usr_1")
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    spec = await read(db, lambda c: skills.insert_tool_spec(c, "lookup", "usr_1", "Look up", schema, "read"))
    assert (spec.id, spec.owner_user_id, spec.input_schema, spec.risk) == ("lookup", "usr_1", schema, "read")
    assert await skills.insert_tool_spec(db, "lookup", "usr_1", "again", schema, "read") is None
    assert [s.id for s in await read(db, lambda c: skills.tool_specs(c, 10))] == ["lookup"]
    assert [s.id for s in await read(db, lambda c: skills.tool_specs_by_id(c, ["lookup", "nope"]))] == ["lookup"]

    skill = await read(db, lambda c: skills.insert_skill_spec(c, "triage", "1.0.0", "usr_1", "Triage", "Sorts",
                                                              "Be brief.", ["lookup"]))
    assert (skill.id, skill.version, skill.tools, skill.instructions, skill.published) == (
        "triage", "1.0.0", ["lookup"], "Be brief.", False)
    assert await skills.insert_skill_spec(db, "triage", "1.0.0", "usr_1", "T", "", "", []) is None
    assert await skills.skill_owner(db, "triage") == "usr_1"

    body = {"id": "triage", "version": "1.0.0", "instructions": "Be brief."}
    released = await read(db, lambda c: skills.insert_release(c, "triage", "1.0.0", "usr_1", body, "h1"))
    assert (released.skill_id, released.version, released.body, released.body_hash) == ("triage", "1.0.0", body, "h1")
    assert await skills.insert_release(db, "triage", "1.0.0", "usr_1", body, "h2") is None
    assert (await read(db, lambda c: skills.release(c, "triage", "1.0.0"))).body_hash == "h1"
    assert await skills.release(db, "triage", "2.0.0") is None
    assert (await read(db, lambda c: skills.skill_spec(c, "triage", "1.0.0"))).published is True
    assert [(s.id, s.published) for s in await read(db, lambda c: skills.skill_specs(c, 10))] == [("triage", True)]


async def test_tool_invocation_structs_match_their_rows(db: asyncpg.Connection) -> None:
    await init_connection(db)
    await _user(db, "usr_1")
    assert await tools.reserve(db, "usr_1", "call_1", "run_1", "http.get", {"url": "https://x"}, "live", None,
                               "allowed", "policy.allowed")
    pending = await read(db, lambda c: tools.get(c, "usr_1", "call_1"))
    assert (pending.invocation_id, pending.run_id, pending.status, pending.receipt, pending.receipt_hash) == (
        "call_1", "run_1", "pending", None, None)
    await tools.finish(db, "usr_1", "call_1", "allowed", "policy.allowed", "succeeded", {"status": 200}, None,
                       b'{"r":1}', "sha256:r", 7)
    assert await tools.insert_done(db, "usr_1", "call_2", "run_1", "echo", {"text": "hi"}, "live", None, "denied",
                                   "policy.denied", "denied", None, {"code": "policy_denied", "message": "no"},
                                   b'{"r":2}', "sha256:s", None)
    calls = await read(db, lambda c: tools.for_run(c, "run_1"))
    assert [(c.invocation_id, c.tool, c.arguments, c.status, c.result, c.error, c.receipt, c.run_seq)
            for c in calls] == [
        ("call_1", "http.get", {"url": "https://x"}, "succeeded", {"status": 200}, None, b'{"r":1}', 7),
        ("call_2", "echo", {"text": "hi"}, "denied", None, {"code": "policy_denied", "message": "no"}, b'{"r":2}', None)]
    assert await tools.get(db, "usr_1", "call_3") is None


async def test_autopilot_structs_match_their_rows(db: asyncpg.Connection) -> None:
    await init_connection(db)
    await _user(db, "usr_1")
    await _user(db, "usr_2")
    await autopilots.insert_profile(db, "usr_1", "demo", "Be kind.", {"echo": "allow"})
    profile = await read(db, lambda c: autopilots.profile(c, "usr_1"))
    assert (profile.user_id, profile.model, profile.tool_policy, profile.version) == (
        "usr_1", "demo", {"echo": "allow"}, 1)
    changed = await read(db, lambda c: autopilots.update_profile(c, "usr_1", 1, {"model": "openai:gpt"}))
    assert (changed.model, changed.instructions, changed.version) == ("openai:gpt", "Be kind.", 2)
    assert await autopilots.update_profile(db, "usr_1", 1, {"model": "demo"}) is None

    pins = [{"id": "triage", "version": "1.0.0"}]
    autopilot = await read(db, lambda c: autopilots.insert(c, "ap_1", "usr_1", None, "Helper", "Hi", "demo",
                                                           {"echo": "allow"}, pins))
    assert (autopilot.id, autopilot.org_id, autopilot.tool_policy, autopilot.skills, autopilot.version) == (
        "ap_1", None, {"echo": "allow"}, pins, 1)
    assert (await read(db, lambda c: autopilots.get(c, "ap_1"))).name == "Helper"
    assert await autopilots.get(db, "ap_none") is None
    await db.execute("INSERT INTO orgs (id, slug, name) VALUES ('org_1', 'team', 'Team')")
    await db.execute("INSERT INTO org_memberships (org_id, user_id, role) VALUES ('org_1', 'usr_2', 'member')")
    updated = await read(db, lambda c: autopilots.update(c, "ap_1", 1, {"org_id": "org_1", "name": "Shared"}))
    assert (updated.org_id, updated.name, updated.version) == ("org_1", "Shared", 2)
    assert await autopilots.update(db, "ap_1", 1, {"name": "Late"}) is None
    assert [(a.id, a.member_role) for a in await read(db, lambda c: autopilots.visible(c, "usr_1", 10))] == [
        ("ap_1", None)]
    seen = await read(db, lambda c: autopilots.visible(c, "usr_2", 10))
    assert [(a.id, a.owner_user_id, a.member_role) for a in seen] == [("ap_1", "usr_1", "member")]

    thread = await read(db, lambda c: autopilots.insert_thread(c, "apt_1", "ap_1", "usr_2", "First"))
    assert (thread.id, thread.autopilot_id, thread.user_id, thread.title) == ("apt_1", "ap_1", "usr_2", "First")
    assert (await read(db, lambda c: autopilots.thread(c, "apt_1"))).title == "First"
    assert [t.id for t in await read(db, lambda c: autopilots.threads(c, "ap_1", "usr_2", 10))] == ["apt_1"]

    run = await read(db, lambda c: autopilots.insert_run(c, "aprun_1", "ap_1", "apt_1", "usr_2", "c1", "demo"))
    assert (run.id, run.thread_id, run.client_run_id, run.adapter, run.status, run.receipt) == (
        "aprun_1", "apt_1", "c1", "demo", "created", None)
    assert await autopilots.insert_run(db, "aprun_2", "ap_1", "apt_1", "usr_2", "c1", "demo") is None
    assert (await read(db, lambda c: autopilots.run_by_client_id(c, "usr_2", "c1"))).id == "aprun_1"
    assert await autopilots.open_runs(db) == ["aprun_1"]
    await autopilots.insert_message(db, "apt_1", "aprun_1", "user", "hello")
    await autopilots.insert_message(db, "apt_1", "aprun_1", "assistant", "hi there")
    messages = await read(db, lambda c: autopilots.messages(c, "apt_1"), reversed_rows=True)
    assert [(m.role, m.content, m.run_id) for m in messages] == [
        ("user", "hello", "aprun_1"), ("assistant", "hi there", "aprun_1")]
    done = await read(db, lambda c: autopilots.set_run(c, "aprun_1", "succeeded", "completed", "sha256:c",
                                                       b"{}", "sha256:r"))
    assert (done.status, done.reason_class, done.context_hash, done.receipt, done.receipt_hash) == (
        "succeeded", "completed", "sha256:c", b"{}", "sha256:r")
    assert (await read(db, lambda c: autopilots.run(c, "aprun_1"))).status == "succeeded"
    await autopilots.insert_run(db, "aprun_2", "ap_1", "apt_1", "usr_2", None, "demo")
    runs = await read(db, lambda c: autopilots.runs_of_thread(c, "apt_1", 10), reversed_rows=True)
    assert [r.id for r in runs] == ["aprun_1", "aprun_2"]
    assert await autopilots.open_runs(db) == ["aprun_2"]

    # Leases and approvals (migration 0801).
    running = await read(db, lambda c: autopilots.set_run(c, "aprun_2", "running"))
    assert running.heartbeat_at is not None
    await db.execute("UPDATE autopilot_runs SET heartbeat_at = now() - interval '1 hour' WHERE id = 'aprun_2'")
    assert await autopilots.abandoned_runs(db, 60, []) == ["aprun_2"]
    assert await autopilots.abandoned_runs(db, 60, ["aprun_2"]) == []
    claimed = await read(db, lambda c: autopilots.claim_abandoned(c, "aprun_2", 60))
    assert (claimed.id, claimed.status) == ("aprun_2", "running")
    await autopilots.heartbeat(db, ["aprun_2"])
    assert await autopilots.claim_abandoned(db, "aprun_2", 60) is None
    waiting = await autopilots.set_run(db, "aprun_2", "waiting")
    approval = await read(db, lambda c: autopilots.insert_approval(c, "apa_1", waiting, "usr_1", "call_1",
                                                                   "aprun_2.call_1", "echo", {"text": "hi"}))
    assert (approval.id, approval.run_id, approval.autopilot_id, approval.owner_user_id, approval.user_id,
            approval.arguments, approval.status, approval.decided_at) == (
        "apa_1", "aprun_2", "ap_1", "usr_1", "usr_2", {"text": "hi"}, "pending", None)
    again = await read(db, lambda c: autopilots.insert_approval(c, "apa_2", waiting, "usr_1", "call_1",
                                                                "aprun_2.call_1", "echo", {"text": "hi"}))
    assert again.id == "apa_1"
    assert [a.id for a in await read(db, lambda c: autopilots.pending_approvals(c, "ap_1", 10))] == ["apa_1"]
    assert await autopilots.resume_run(db, "aprun_2") is False
    assert (await read(db, lambda c: autopilots.approval_for_update(c, "apa_1"))).status == "pending"
    assert await autopilots.approval_for_update(db, "apa_9") is None
    decided = await read(db, lambda c: autopilots.decide_approval(c, "apa_1", "approved", "usr_1", "ok"))
    assert (decided.status, decided.decided_by, decided.note) == ("approved", "usr_1", "ok")
    assert decided.decided_at is not None
    assert [a.status for a in await read(db, lambda c: autopilots.approvals_of_run(c, "aprun_2"))] == ["approved"]
    assert await autopilots.pending_approvals(db, "ap_1", 10) == []
    assert await autopilots.resume_run(db, "aprun_2") is True
