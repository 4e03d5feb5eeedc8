"""Replays of the autopilot pages through the pure reducer: list → create → editor → send a message
→ the run followed live on its Khala topic (tool call, decision, result), joined with the thread's
snapshot by seq; the defaults page; a stale save; a late event for a page that was left."""

from __future__ import annotations

from types import SimpleNamespace as NS

from openagents_shell.api.client import FieldErrors, Ok, Problem
from openagents_shell.app import Navigate, PushState, Render, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.autopilots import (
    CreateAutopilot,
    Draft,
    EditField,
    NewName,
    SaveForm,
    Send,
    SetRule,
)
from openagents_shell.pages import shell
from openagents_shell.sync.live import Listen, LiveEvent, Unlisten

TOOLS = [NS(name="feed.post", description="Post a shout", risk="posts publicly in your name", rule="allow",
            available=True),
         NS(name="email.send", description="Send email", risk="sends email from your account", rule="ask",
            available=True)]
AUTOPILOT = NS(id="ap_1", name="Scout", instructions="", model="demo", version=1, access="owner", tools=TOOLS)


def calls(effects: list[object]) -> list[tuple[str, str, str]]:
    """This page's requests. The app-wide ``/api/me`` a signed-in app sends on its first page (issue 19:
    it names the person's notifications topic) is tested in test_app_live.py, not here."""
    return [(e.tag, e.method, e.path) for e in effects if isinstance(e, Call) and e.tag != "me"]


def _run(status: str, *events: dict) -> NS:
    return NS(run_id="run_1", status=status, events=[{"seq": i + 1, **e} for i, e in enumerate(events)],
              watermark=len(events))


CREATED = {"type": "run.created", "text": "post hello to the feed"}
CALL = {"type": "tool.call", "tool": "feed.post", "arguments": {"text": "hello"}}
RESULT = {"type": "tool.result", "tool": "feed.post", "status": "succeeded", "error": None,
          "decision": {"decision": "allowed", "reason_code": "policy_allowed.default"}, "receipt_hash": "sha256:abcdef0123456789"}
DENIED = {"type": "tool.result", "tool": "feed.post", "status": "denied", "error": {"message": "not in the policy"},
          "decision": {"decision": "denied", "reason_code": "policy_denied.explicit_deny"}, "receipt_hash": "sha256:0"}
DONE = {"type": "run.finished", "status": "succeeded", "reason_class": "completed"}


def _text(state) -> str:
    def walk(element) -> list[str]:
        own = [element.text] if getattr(element, "text", None) else []
        return own + [t for child in element.children or () for t in walk(child)]
    return "\n".join(walk(shell.view(state)))


def test_signed_out_the_autopilot_pages_go_to_sign_in() -> None:
    state, effects = boot(initial_state("b1", "/autopilots"), "/autopilots")
    assert state.route.name == "login" and calls(effects) == []


def test_replay_create_edit_and_run_with_a_tool_call() -> None:
    state, effects = boot(initial_state("b1", "/autopilots", signed_in=True), "/autopilots")
    assert calls(effects) == [("ap_list", "GET", "/api/autopilots")]
    state, _ = reduce(state, Answered("ap_list", Ok(NS(autopilots=[]))))
    assert "No autopilots yet" in _text(state)
    state, effects = reduce(state, CreateAutopilot())
    assert calls(effects) == [] and state.autopilots.notice == "Give the autopilot a name."
    state, _ = reduce(state, NewName("Scout"))
    state, effects = reduce(state, CreateAutopilot())
    assert effects[0].payload == {"name": "Scout"}
    state, effects = reduce(state, Answered("ap_create", Ok(AUTOPILOT)))
    assert state.route.name == "autopilot" and PushState("/autopilots/ap_1") in effects
    assert calls(effects) == [("ap_load", "GET", "/api/autopilots/ap_1"),
                              ("ap_threads", "GET", "/api/autopilots/ap_1/threads")]
    state, _ = reduce(state, Answered("ap_load", Ok(AUTOPILOT)))
    state, effects = reduce(state, Answered("ap_threads", Ok(NS(threads=[]))))
    assert calls(effects) == []
    assert "Risk: posts publicly in your name" in _text(state)

    state, _ = reduce(state, SetRule("feed.post", "deny"))
    state, _ = reduce(state, EditField("instructions", "Be brief."))
    state, effects = reduce(state, SaveForm())
    save = effects[0]
    assert (save.method, save.path) == ("PATCH", "/api/autopilots/ap_1")
    assert save.payload["version"] == 1 and save.payload["tool_policy"] == {"feed.post": "deny", "email.send": "ask"}
    state, _ = reduce(state, Answered("ap_save", Problem("conflict", "changed elsewhere", "version_conflict")))
    assert "Someone else changed this" in state.autopilots.form.notice and not state.autopilots.form.busy

    state, _ = reduce(state, Draft("post hello to the feed"))
    state, effects = reduce(state, Send())
    assert calls(effects) == [("ap_send", "POST", "/api/autopilots/ap_1/stream")]
    assert effects[0].payload == {"text": "post hello to the feed"}
    state, effects = reduce(state, Answered("ap_send", Ok(NS(run_id="run_1", thread_id="apt_1", status="created"))))
    assert state.autopilots.conversation.thread_id == "apt_1" and state.autopilots.conversation.draft == ""
    assert Listen("run:run_1:events", "/autopilots/ap_1") in effects and calls(effects) == []

    topic = "run:run_1:events"
    for seq, event in enumerate((CREATED, CALL, RESULT), start=1):
        state, effects = reduce(state, LiveEvent(topic, "run_1", seq, seq, event))
        assert Render() in effects
    state, _ = reduce(state, LiveEvent(topic, "run_1", 2, 2, CALL))  # delivered again: applied once
    run = state.autopilots.conversation.runs[0]
    assert run.watermark == 3 and [k for k, _ in run.lines] == ["run.created", "tool.call", "tool.result"]
    state, effects = reduce(state, LiveEvent(topic, "run_1", 4, 4, DONE))
    assert state.autopilots.conversation.runs[0].status == "succeeded" and Unlisten(topic) in effects
    page = _text(state)
    assert "feed.post — allowed (policy_allowed.default) — succeeded" in page and "Run succeeded (completed)" in page

    # a reload in the middle of a run: the snapshot, then the live tail after its watermark
    state, _ = boot(initial_state("b1", "/autopilots/ap_1", signed_in=True), "/autopilots/ap_1")
    state, _ = reduce(state, Answered("ap_load", Ok(AUTOPILOT)))
    state, _ = reduce(state, Answered("ap_threads", Ok(NS(threads=[NS(id="apt_1", title="t")]))))
    thread = NS(id="apt_1", title="t")
    state, effects = reduce(state, Answered("ap_thread", Ok(NS(thread=thread, runs=[_run("running", CREATED, CALL)]))))
    assert Listen(topic, "/autopilots/ap_1") in effects
    for seq, event in enumerate((CREATED, CALL, RESULT, DONE), start=1):  # the topic replays from its start
        state, _ = reduce(state, LiveEvent(topic, "run_1", seq, seq, event))
    assert [k for k, _ in state.autopilots.conversation.runs[0].lines] == [
        "run.created", "tool.call", "tool.result", "run.finished"]


def test_a_denied_tool_shows_its_reason_code() -> None:
    state, _ = boot(initial_state("b1", "/autopilots/ap_1", signed_in=True), "/autopilots/ap_1")
    state, _ = reduce(state, Answered("ap_load", Ok(AUTOPILOT)))
    state, effects = reduce(state, Answered("ap_threads", Ok(NS(threads=[NS(id="apt_1", title="t")]))))
    assert calls(effects) == [("ap_thread", "GET", "/api/autopilots/ap_1/threads/apt_1")]
    state, _ = reduce(state, Answered("ap_thread", Ok(NS(thread=NS(id="apt_1", title="t"),
                                                         runs=[_run("succeeded", CREATED, CALL, DENIED, DONE)]))))
    assert "denied (policy_denied.explicit_deny) — denied: not in the policy" in _text(state)


def test_the_defaults_page_saves_with_its_version_and_shows_field_errors() -> None:
    state, effects = boot(initial_state("b1", "/settings/autopilot", signed_in=True), "/settings/autopilot")
    assert calls(effects) == [("ap_settings_load", "GET", "/api/settings/autopilot")]
    profile = NS(model="demo", instructions="", version=3, tools=TOOLS)
    state, _ = reduce(state, Answered("ap_settings_load", Ok(profile)))
    state, effects = reduce(state, SaveForm())
    assert calls(effects) == [("ap_settings_save", "PATCH", "/api/settings/autopilot")]
    assert effects[0].payload["version"] == 3 and "name" not in effects[0].payload
    state, _ = reduce(state, Answered("ap_settings_save", FieldErrors("bad", {"instructions": ("too long",)})))
    assert state.autopilots.form.error("instructions") == "too long"


def test_a_late_event_or_answer_for_a_page_that_was_left_is_ignored() -> None:
    state, _ = boot(initial_state("b1", "/autopilots/ap_1", signed_in=True), "/autopilots/ap_1")
    state, _ = reduce(state, Navigate("/feed"))
    before = state
    state, effects = reduce(state, LiveEvent("run:run_1:events", "run_1", 1, 1, CREATED))
    assert state == before and effects == []
    state, effects = reduce(state, Answered("ap_thread", Ok(NS(thread=NS(id="apt_1", title="t"), runs=[]))))
    assert state == before and effects == []


ASKED = {"type": "approval.requested", "approval_id": "apa_1", "tool": "email.send",
         "arguments": {"to": "grace@example.com"}, "reason_code": "policy_denied.consent_required"}
WAITING = {"type": "tool.result", "tool": "email.send", "status": "needs_approval",
           "error": {"message": "email.send needs the owner's approval."},
           "decision": {"decision": "needs_approval", "reason_code": "policy_denied.consent_required"},
           "receipt_hash": "sha256:1"}
DECIDED = {"type": "approval.decided", "approval_id": "apa_1", "tool": "email.send", "status": "approved"}


def _find(element, key: str):
    if element.key == key:
        return element
    return next((found for child in element.children or () if (found := _find(child, key)) is not None), None)


def test_a_paused_run_shows_its_pending_approval_and_the_owner_approves_it() -> None:
    state, _ = boot(initial_state("b1", "/autopilots/ap_1", signed_in=True), "/autopilots/ap_1")
    state, _ = reduce(state, Answered("ap_load", Ok(AUTOPILOT)))
    state, _ = reduce(state, Answered("ap_threads", Ok(NS(threads=[NS(id="apt_1", title="t")]))))
    thread = NS(id="apt_1", title="t")
    state, effects = reduce(state, Answered("ap_thread", Ok(NS(thread=thread, runs=[
        _run("waiting", CREATED, {**CALL, "tool": "email.send"}, WAITING, ASKED)]))))
    topic = "run:run_1:events"
    assert Listen(topic, "/autopilots/ap_1") in effects  # a waiting run is followed: approval resumes it
    run = state.autopilots.conversation.runs[0]
    assert run.status == "waiting" and [a.approval_id for a in run.approvals] == ["apa_1"]
    page = shell.view(state)
    assert "Waiting for the owner's approval: email.send" in _text(state)
    approve, deny = _find(page, "ap-approve-0-0"), _find(page, "ap-deny-0-0")
    assert approve is not None and deny is not None and approve.on_press.approve and not deny.on_press.approve

    state, effects = reduce(state, approve.on_press)
    assert calls(effects) == [("ap_decide:run_1:apa_1", "POST", "/api/autopilots/ap_1/approvals/apa_1")]
    assert effects[0].payload == {"decision": "approve"}
    state, again = reduce(state, approve.on_press)  # pressed twice while in flight: one request
    assert calls(again) == [] and state.autopilots.conversation.runs[0].approvals[0].busy
    state, _ = reduce(state, Answered("ap_decide:run_1:apa_1", Ok({"status": "approved"})))
    state, _ = reduce(state, LiveEvent(topic, "run_1", 5, 5, DECIDED))
    run = state.autopilots.conversation.runs[0]
    assert run.status == "running" and run.approvals == () and _find(shell.view(state), "ap-approve-0-0") is None
    assert "email.send approved by the owner" in _text(state)
    state, effects = reduce(state, LiveEvent(topic, "run_1", 6, 6, DONE))
    assert state.autopilots.conversation.runs[0].status == "succeeded" and Unlisten(topic) in effects


def test_a_refused_decision_shows_why_and_the_buttons_come_back_and_others_see_no_buttons() -> None:
    state, _ = boot(initial_state("b1", "/autopilots/ap_1", signed_in=True), "/autopilots/ap_1")
    state, _ = reduce(state, Answered("ap_load", Ok(AUTOPILOT)))
    state, _ = reduce(state, Answered("ap_threads", Ok(NS(threads=[NS(id="apt_1", title="t")]))))
    snapshot = NS(thread=NS(id="apt_1", title="t"), runs=[_run("waiting", CREATED, WAITING, ASKED)])
    state, _ = reduce(state, Answered("ap_thread", Ok(snapshot)))
    deny = _find(shell.view(state), "ap-deny-0-0").on_press
    state, effects = reduce(state, deny)
    assert effects[0].payload == {"decision": "deny"}
    state, _ = reduce(state, Answered("ap_decide:run_1:apa_1", Problem("conflict", "This call was already approved.",
                                                                       "approval_already_decided")))
    assert state.autopilots.conversation.notice == "This call was already approved."
    assert not state.autopilots.conversation.runs[0].approvals[0].busy

    member, _ = boot(initial_state("b1", "/autopilots/ap_1", signed_in=True), "/autopilots/ap_1")
    member, _ = reduce(member, Answered("ap_load", Ok(NS(**{**vars(AUTOPILOT), "access": "member"}))))
    member, _ = reduce(member, Answered("ap_threads", Ok(NS(threads=[NS(id="apt_1", title="t")]))))
    member, _ = reduce(member, Answered("ap_thread", Ok(snapshot)))
    assert _find(shell.view(member), "ap-approve-0-0") is None
    assert "email.send waits for the owner's approval" in _text(member)
