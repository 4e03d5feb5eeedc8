"""Autopilot pages as pure state: the list (``/autopilots``), an autopilot's editor and threads with
their runs (``/autopilots/{id}``), and the defaults (``/settings/autopilot``).

Effects are data (``Call`` from ``core.account``, ``live.Listen``). A thread's snapshot (``GET
…/threads/{id}``) carries each run's events with their seqs and its watermark; a run in progress is
followed live on its Khala topic (``run:{id}:events``), whose events are applied once by seq, so the
snapshot and the live tail join without a gap or a duplicate. No msgspec here (imported at boot).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from openagents_shell.core.account import Answered, Call, Goto, login_href
from openagents_shell.sync import live

MODELS = ("demo", "openai")


@dataclass(frozen=True)
class ToolRow:
    name: str
    description: str
    risk: str
    rule: str  # allow | ask | deny
    available: bool = True


@dataclass(frozen=True)
class Summary:
    id: str
    name: str
    model: str
    access: str


@dataclass(frozen=True)
class Form:
    """The editor of an autopilot (``id`` set) or of the defaults (``id`` empty)."""

    loaded: bool = False
    id: str = ""
    name: str = ""
    instructions: str = ""
    model: str = "demo"
    version: int = 0
    access: str = "owner"
    tools: tuple[ToolRow, ...] = ()
    busy: bool = False
    notice: str | None = None
    errors: tuple[tuple[str, str], ...] = ()

    def error(self, name: str) -> str | None:
        return next((m for f, m in self.errors if f == name or f.startswith(name + ".")), None)

    @property
    def editable(self) -> bool:
        return self.access in ("owner", "admin")


@dataclass(frozen=True)
class PendingApproval:
    """A tool call the run paused on: the owner approves or denies it on the page."""

    approval_id: str
    tool: str
    arguments: str  # canonical JSON, as shown
    busy: bool = False


@dataclass(frozen=True)
class RunShown:
    run_id: str
    status: str
    lines: tuple[tuple[str, str], ...]  # (kind, text): what the page lists for the run
    watermark: int = 0  # the last seq applied
    approvals: tuple[PendingApproval, ...] = ()  # undecided calls the run waits on

    @property
    def live(self) -> bool:
        """Followed on its topic: in progress, or waiting (an approval resumes it)."""
        return self.status in ("created", "running", "waiting")

    @property
    def topic(self) -> str:
        return run_topic(self.run_id)

    def apply(self, seq: int, event: dict[str, Any]) -> RunShown:
        """One event of the run's log; an event at or below the watermark is already shown."""
        if seq <= self.watermark:
            return self
        kind, status, approvals = event.get("type"), self.status, self.approvals
        if kind == "run.finished":
            status, approvals = str(event.get("status", self.status)), ()
        elif kind == "run.started" and self.status == "created":
            status = "running"
        elif kind == "approval.requested":
            status = "waiting"
            if not any(a.approval_id == event.get("approval_id") for a in approvals):
                approvals = (*approvals, PendingApproval(str(event.get("approval_id", "")), str(event.get("tool", "")),
                                                         json.dumps(event.get("arguments", {}), sort_keys=True)))
        elif kind == "approval.decided":
            approvals = tuple(a for a in approvals if a.approval_id != event.get("approval_id"))
            status = "waiting" if approvals else "running"
        return replace(self, status=status, lines=(*self.lines, _line(event)), watermark=seq, approvals=approvals)

    def deciding(self, approval_id: str, busy: bool) -> RunShown:
        return replace(self, approvals=tuple(replace(a, busy=busy) if a.approval_id == approval_id else a
                                             for a in self.approvals))


def run_topic(run_id: str) -> str:
    return f"run:{run_id}:events"


@dataclass(frozen=True)
class Conversation:
    threads: tuple[tuple[str, str], ...] = ()  # (id, title)
    thread_id: str | None = None
    runs: tuple[RunShown, ...] = ()
    draft: str = ""
    busy: bool = False
    notice: str | None = None


@dataclass(frozen=True)
class Autopilots:
    loaded: bool = False
    items: tuple[Summary, ...] = ()
    new_name: str = ""
    notice: str | None = None
    form: Form = field(default_factory=Form)
    conversation: Conversation = field(default_factory=Conversation)


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewName:
    value: str


@dataclass(frozen=True)
class CreateAutopilot:
    pass


@dataclass(frozen=True)
class EditField:
    """``field``: name, instructions or model."""

    field: str
    value: str


@dataclass(frozen=True)
class SetRule:
    tool: str
    rule: str


@dataclass(frozen=True)
class SaveForm:
    pass


@dataclass(frozen=True)
class Draft:
    value: str


@dataclass(frozen=True)
class Send:
    pass


@dataclass(frozen=True)
class PickThread:
    thread_id: str


@dataclass(frozen=True)
class DecideApproval:
    """The owner's Approve (``approve`` True) or Deny of a paused tool call."""

    run_id: str
    approval_id: str
    approve: bool


AutopilotIntent = NewName | CreateAutopilot | EditField | SetRule | SaveForm | Draft | Send | PickThread | DecideApproval


# ---- helpers ----------------------------------------------------------------------------------
def _kind(outcome: Any) -> str:
    return type(outcome).__name__


def _message(outcome: Any) -> str:
    return str(getattr(outcome, "message", "Something went wrong."))


def _errors(outcome: Any) -> tuple[tuple[str, str], ...]:
    return tuple((f, " ".join(m)) for f, m in (getattr(outcome, "fields", {}) or {}).items())


def _form(data: Any, *, id_: str = "") -> Form:
    tools = tuple(ToolRow(t.name, t.description, t.risk, t.rule, t.available) for t in data.tools)
    return Form(loaded=True, id=id_, name=getattr(data, "name", ""), instructions=data.instructions,
                model=data.model, version=data.version, access=getattr(data, "access", "owner"), tools=tools)


def _line(event: dict[str, Any]) -> tuple[str, str]:
    kind = str(event.get("type", ""))
    if kind == "run.created":
        return kind, f"You: {event.get('text', '')}"
    if kind == "run.started":
        dropped = event.get("dropped_messages", 0)
        return kind, f"Context {event.get('tokens', 0)} tokens" + (f", {dropped} oldest messages dropped" if dropped else "")
    if kind == "tool.call":
        return kind, f"Calls {event.get('tool')} {json.dumps(event.get('arguments', {}), sort_keys=True)}"
    if kind == "tool.result":
        decision = event.get("decision") or {}
        error = event.get("error") or {}
        outcome = event.get("status", "")
        detail = f": {error.get('message', '')}" if error else ""
        return kind, (f"{event.get('tool')} — {decision.get('decision')} ({decision.get('reason_code')}) — "
                      f"{outcome}{detail} · receipt {str(event.get('receipt_hash', ''))[7:19]}")
    if kind == "message.completed":
        return kind, f"Autopilot: {event.get('text', '')}"
    if kind == "run.finished":
        return kind, f"Run {event.get('status')} ({event.get('reason_class')})"
    if kind == "approval.requested":
        return kind, (f"Waiting for the owner's approval: {event.get('tool')} "
                      f"{json.dumps(event.get('arguments', {}), sort_keys=True)}")
    if kind == "approval.decided":
        return kind, f"{event.get('tool')} {event.get('status')} by the owner"
    return kind, kind


def runs_shown(runs: Any) -> tuple[RunShown, ...]:
    out = []
    for r in runs:
        shown = RunShown(r.run_id, "created", ())
        for e in r.events:
            shown = shown.apply(int(e.get("seq", shown.watermark + 1)), e)
        out.append(replace(shown, status=r.status, watermark=r.watermark))
    return tuple(out)


def _thread_call(autopilot_id: str, thread_id: str, path: str, tag: str = "ap_thread") -> Call:
    return Call(tag, "GET", f"/api/autopilots/{autopilot_id}/threads/{thread_id}", "thread_detail", path)


# ---- entering pages ---------------------------------------------------------------------------
def enter_list(path: str) -> tuple[Autopilots, list[Any]]:
    return Autopilots(), [Call("ap_list", "GET", "/api/autopilots", "autopilot_list", path)]


def enter_autopilot(autopilot_id: str, path: str) -> tuple[Autopilots, list[Any]]:
    return Autopilots(form=Form(id=autopilot_id)), [
        Call("ap_load", "GET", f"/api/autopilots/{autopilot_id}", "autopilot", path),
        Call("ap_threads", "GET", f"/api/autopilots/{autopilot_id}/threads", "thread_list", path)]


def enter_settings(path: str) -> tuple[Autopilots, list[Any]]:
    return Autopilots(), [Call("ap_settings_load", "GET", "/api/settings/autopilot", "autopilot_profile", path)]


# ---- the reducer ------------------------------------------------------------------------------
def reduce_autopilots(s: Autopilots, intent: Any, path: str) -> tuple[Autopilots, list[Any]]:
    f, c = s.form, s.conversation
    if isinstance(intent, NewName):
        return replace(s, new_name=intent.value, notice=None), []
    if isinstance(intent, CreateAutopilot):
        if not s.new_name.strip():
            return replace(s, notice="Give the autopilot a name."), []
        return s, [Call("ap_create", "POST", "/api/autopilots", "autopilot", path, {"name": s.new_name.strip()})]
    if isinstance(intent, EditField):
        return replace(s, form=replace(f, **{intent.field: intent.value}, notice=None, errors=())), []
    if isinstance(intent, SetRule):
        tools = tuple(replace(t, rule=intent.rule) if t.name == intent.tool else t for t in f.tools)
        return replace(s, form=replace(f, tools=tools, notice=None)), []
    if isinstance(intent, SaveForm):
        if f.busy or not f.loaded:
            return s, []
        body: dict[str, Any] = {"version": f.version, "instructions": f.instructions, "model": f.model,
                                "tool_policy": {t.name: t.rule for t in f.tools}}
        if f.id:
            body["name"] = f.name
            call = Call("ap_save", "PATCH", f"/api/autopilots/{f.id}", "autopilot", path, body)
        else:
            call = Call("ap_settings_save", "PATCH", "/api/settings/autopilot", "autopilot_profile", path, body)
        return replace(s, form=replace(f, busy=True, notice=None, errors=())), [call]
    if isinstance(intent, Draft):
        return replace(s, conversation=replace(c, draft=intent.value, notice=None)), []
    if isinstance(intent, Send):
        if c.busy or not c.draft.strip():
            return s, []
        body = {"text": c.draft.strip()}
        if c.thread_id:
            body["thread_id"] = c.thread_id
        return replace(s, conversation=replace(c, busy=True, notice=None)), [
            Call("ap_send", "POST", f"/api/autopilots/{f.id}/stream", "run_accepted", path, body)]
    if isinstance(intent, DecideApproval):
        run = next((r for r in c.runs if r.run_id == intent.run_id), None)
        pending = run and next((a for a in run.approvals if a.approval_id == intent.approval_id), None)
        if pending is None or pending.busy or f.access != "owner":
            return s, []
        runs = tuple(r.deciding(intent.approval_id, True) if r is run else r for r in c.runs)
        return replace(s, conversation=replace(c, runs=runs, notice=None)), [
            Call(f"ap_decide:{intent.run_id}:{intent.approval_id}", "POST",
                 f"/api/autopilots/{f.id}/approvals/{intent.approval_id}", "approval", path,
                 {"decision": "approve" if intent.approve else "deny"})]
    if isinstance(intent, PickThread):
        return replace(s, conversation=replace(c, thread_id=intent.thread_id, runs=())), [
            _thread_call(f.id, intent.thread_id, path)]
    if isinstance(intent, Answered):
        return _answered(s, intent, path)
    return s, []


def _answered(s: Autopilots, intent: Answered, path: str) -> tuple[Autopilots, list[Any]]:
    out, tag, f, c = intent.outcome, intent.tag, s.form, s.conversation
    if _kind(out) == "SignInNeeded":
        return s, [Goto(login_href(path))]
    ok = _kind(out) == "Ok"
    if tag == "ap_list":
        if not ok:
            return replace(s, loaded=True, notice=_message(out)), []
        return replace(s, loaded=True, items=tuple(Summary(a.id, a.name, a.model, a.access)
                                                    for a in out.data.autopilots)), []
    if tag == "ap_create":
        if not ok:
            return replace(s, notice=(_errors(out)[0][1] if _errors(out) else _message(out))), []
        return replace(s, new_name=""), [Goto(f"/autopilots/{out.data.id}")]
    if tag in ("ap_load", "ap_save", "ap_settings_load", "ap_settings_save"):
        saved = tag.endswith("_save")
        if ok:
            form = _form(out.data, id_=f.id)
            return replace(s, form=replace(form, notice="Saved." if saved else None)), []
        if _kind(out) == "Problem" and getattr(out, "kind", "") == "conflict":
            return replace(s, form=replace(f, busy=False, notice="Someone else changed this since you opened it. "
                                                                 "Reload to see their version.")), []
        return replace(s, form=replace(f, busy=False, loaded=f.loaded or not saved, errors=_errors(out),
                                       notice=_message(out))), []
    if tag == "ap_threads":
        if not ok:
            return replace(s, conversation=replace(c, notice=_message(out))), []
        threads = tuple((t.id, t.title) for t in out.data.threads)
        first = threads[0][0] if threads and c.thread_id is None else c.thread_id
        effects = [_thread_call(f.id, first, path)] if first else []
        return replace(s, conversation=replace(c, threads=threads, thread_id=first)), effects
    if tag == "ap_send":
        if not ok:
            errors = _errors(out)
            return replace(s, conversation=replace(c, busy=False, notice=errors[0][1] if errors else _message(out))), []
        thread_id = out.data.thread_id
        threads = c.threads if any(t == thread_id for t, _ in c.threads) else ((thread_id, c.draft.strip()[:60]),
                                                                               *c.threads)
        runs = c.runs if thread_id == c.thread_id else ()
        runs = (*runs, RunShown(out.data.run_id, out.data.status, ()))
        return replace(s, conversation=replace(c, busy=False, draft="", thread_id=thread_id, threads=threads,
                                               runs=runs)), [live.Listen(run_topic(out.data.run_id), path)]
    if tag.startswith("ap_decide:"):
        _, run_id, approval_id = tag.split(":", 2)
        if ok:  # the approval.decided event (live) removes the buttons; until then they stay disabled
            return s, []
        runs = tuple(r.deciding(approval_id, False) if r.run_id == run_id else r for r in c.runs)
        return replace(s, conversation=replace(c, runs=runs, notice=_message(out))), []
    if tag == "ap_thread":
        if not ok:
            return replace(s, conversation=replace(c, notice=_message(out))), []
        if out.data.thread.id != c.thread_id:
            return s, []
        # what live events already showed stays (a snapshot never moves a run backwards)
        known = {r.run_id: r for r in c.runs}
        runs = tuple(known[r.run_id] if r.run_id in known and known[r.run_id].watermark > r.watermark else r
                     for r in runs_shown(out.data.runs))
        return replace(s, conversation=replace(c, runs=runs)), [live.Listen(r.topic, path) for r in runs if r.live]
    return s, []


@live.on("run:{id}:events")
def run_event(state: Any, event: live.LiveEvent | live.LiveReset) -> tuple[Any, list[Any]]:
    """A run's event on its topic: appended to the run shown on the autopilot page (once, by seq).
    A finished run's topic is let go (its socket closes when nothing else is followed)."""
    if state.route.name != "autopilot":
        return state, []
    c = state.autopilots.conversation
    run_id = event.topic.split(":")[1]
    if not any(r.run_id == run_id for r in c.runs):
        return state, []
    if isinstance(event, live.LiveReset):
        runs = tuple(RunShown(r.run_id, r.status, ()) if r.run_id == run_id else r for r in c.runs)
    else:
        body = event.body if isinstance(event.body, dict) else {}
        runs = tuple(r.apply(event.watermark, body) if r.run_id == run_id else r for r in c.runs)
    done = any(r.run_id == run_id and not r.live for r in runs)
    return (replace(state, autopilots=replace(state.autopilots, conversation=replace(c, runs=runs))),
            [live.Unlisten(event.topic)] if done else [])
