"""``/workers`` (a person's workers: status, heartbeat age, stop; how to start one) and ``/admin/runtime``
(every worker and the latest runs, for platform administrators; stop with confirmation) as pure state.

``/workers`` re-reads its list every :data:`REFRESH_S` while open (a
:class:`~openagents_shell.core.chat.Later` timer scoped to the page), and at once after a stop.

``/admin/runtime`` is live (ADR 0604): the overview names the head of the ``admin:runtime`` Khala
topic it includes, the page listens from exactly there, and each worker status change or run
creation/finish updates the lists and the event stream as it happens (an event at or below the
page's seq is dropped, so each applies once). It re-reads the overview only every
:data:`ADMIN_FALLBACK_S` while the socket is not live, and when an event names a worker it does not
know.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from openagents_shell.core.account import Answered, Call, Goto
from openagents_shell.core.chat import WORKERS, Later, problem_text
from openagents_shell.sync.live import Listen

ADMIN = "/api/admin/runtime"
REFRESH_S = 2.0
ADMIN_TOPIC = "admin:runtime"
#: /admin/runtime re-reads the overview this often, only while its socket is not live.
ADMIN_FALLBACK_S = 10.0
#: The admin page's event stream keeps this many of the latest events.
EVENTS_KEPT = 50


@dataclass(frozen=True)
class WorkerInfo:
    worker_id: str
    status: str
    adapter: str
    heartbeat_state: str
    heartbeat_age_s: float | None
    owner_email: str = ""
    open_runs: int = 0


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    method: str
    status: str
    owner_email: str
    worker_id: str
    reason_class: str


@dataclass(frozen=True)
class AdminEvent:
    """One line of the admin page's event stream."""

    seq: int
    kind: str  # worker | run
    subject: str  # the worker id or run id
    status: str
    detail: str = ""  # the run's method, a worker's reason


@dataclass(frozen=True)
class Workers:
    items: tuple[WorkerInfo, ...] | None = None  # None: loading
    runs: tuple[RunInfo, ...] = ()
    notice: str | None = None
    confirm: str | None = None  # the worker a stop waits to be confirmed for (/admin/runtime)
    stopping: frozenset[str] = frozenset()
    forbidden: bool = False
    signed_out: bool = False
    listening: bool = False  # /admin/runtime: admin:runtime events arrive from Khala
    seq: int = 0  # the admin topic seq the lists include
    events: tuple[AdminEvent, ...] = ()  # newest first
    loading: bool = False  # an overview re-read is in flight
    stale: bool = False  # another re-read is wanted once it answers
    ticking: bool = False  # /admin/runtime's fallback timer runs (one chain per open page)


@dataclass(frozen=True)
class WorkersRefresh:
    pass


@dataclass(frozen=True)
class StopWorker:
    worker_id: str


@dataclass(frozen=True)
class ConfirmStop:
    """On /admin/runtime: ``worker_id`` asks for confirmation; ``None`` dismisses the dialog."""

    worker_id: str | None


@dataclass(frozen=True)
class AdminLive:
    """One ``admin:runtime`` event from Khala (``seq`` its watermark, ``payload`` the decoded JSON)."""

    seq: int
    payload: dict[str, Any] = field(hash=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class AdminResync:
    """Khala could not resume ``admin:runtime``: read the overview again, then go on after its head."""


WorkersIntent = WorkersRefresh | StopWorker | ConfirmStop | AdminLive | AdminResync


def _list_call(path: str, admin: bool) -> Call:
    if admin:
        return Call("admin_overview", "GET", ADMIN, "admin", path)
    return Call("workers_list", "GET", WORKERS, "workers", path)


def enter(path: str, signed_in: bool, *, admin: bool) -> tuple[Workers, list[Any]]:
    if not signed_in:
        return Workers(signed_out=True), []
    return Workers(), [_list_call(path, admin)]


def _info(w: Any) -> WorkerInfo:
    return WorkerInfo(w.worker_id, w.status, w.adapter, w.heartbeat_state, getattr(w, "heartbeat_age_s", None),
                      getattr(w, "owner_email", ""), getattr(w, "open_runs", 0))


def _reread(state: Workers, path: str) -> tuple[Workers, list[Any]]:
    """One overview re-read at a time; another wanted meanwhile follows its answer."""
    if state.loading:
        return replace(state, stale=True), []
    return replace(state, loading=True, stale=False), [_list_call(path, True)]


def reduce_workers(state: Workers, intent: Any, path: str, *, admin: bool,
                   socket_live: bool = False) -> tuple[Workers, list[Any]]:
    if isinstance(intent, WorkersRefresh):
        if state.signed_out or state.forbidden:
            return state, []
        if not admin:
            return state, [_list_call(path, admin)]
        tick = Later(ADMIN_FALLBACK_S, WorkersRefresh(), path)
        if state.listening and socket_live:  # live: nothing to re-read; look again later
            return state, [tick]
        state, effects = _reread(state, path)
        return state, [tick, *effects]
    if isinstance(intent, AdminLive):
        return _admin_event(state, intent, path) if admin else (state, [])
    if isinstance(intent, AdminResync):
        return _reread(replace(state, seq=0), path) if admin and state.listening else (state, [])
    if isinstance(intent, ConfirmStop):
        return replace(state, confirm=intent.worker_id), []
    if isinstance(intent, StopWorker):
        if intent.worker_id in state.stopping:
            return state, []
        target = f"{ADMIN}/workers/{quote(intent.worker_id, safe='')}/stop" if admin else \
            f"{WORKERS}/{quote(intent.worker_id, safe='')}/stop"
        return replace(state, confirm=None, stopping=state.stopping | {intent.worker_id}), [
            Call(f"worker_stop:{intent.worker_id}", "POST", target, "worker", path, {})]
    if isinstance(intent, Answered):
        out = intent.outcome
        kind = type(out).__name__
        if kind == "SignInNeeded":
            return state, [Goto(out.href)]
        if intent.tag == "admin_overview" and admin:
            return _overview(state, out, kind, path)
        if intent.tag in ("workers_list", "admin_overview"):
            later = [Later(REFRESH_S, WorkersRefresh(), path)]
            if kind != "Ok":
                forbidden = getattr(out, "kind", "") == "not_allowed"
                return replace(state, items=state.items or (), notice=problem_text(out), forbidden=forbidden), \
                    ([] if forbidden else later)
            items = tuple(_info(w) for w in out.data.workers)
            runs = tuple(RunInfo(r.run_id, r.method, r.status, r.owner_email, r.worker_id, r.reason_class)
                         for r in getattr(out.data, "runs", ()))
            return replace(state, items=items, runs=runs, notice=None), later
        if intent.tag.startswith("worker_stop:"):
            worker_id = intent.tag.split(":", 1)[1]
            state = replace(state, stopping=state.stopping - {worker_id})
            if kind != "Ok":
                return replace(state, notice=problem_text(out)), []
            items = tuple(_info(out.data) if w.worker_id == worker_id and not admin else
                          (replace(w, status=out.data.status) if w.worker_id == worker_id else w)
                          for w in state.items or ())
            return replace(state, items=items, notice=f"Worker {worker_id} is {out.data.status}."), []
    return state, []


def heartbeat_text(w: WorkerInfo) -> str:
    if w.heartbeat_age_s is None:
        return "no heartbeat"
    age = int(w.heartbeat_age_s)
    when = f"{age} s ago" if age < 120 else f"{age // 60} min ago"
    return f"{when} ({w.heartbeat_state})"


# ---- /admin/runtime: the overview, then the live topic after its head ---------------------------------
def _overview(state: Workers, out: Any, kind: str, path: str) -> tuple[Workers, list[Any]]:
    forbidden = kind != "Ok" and getattr(out, "kind", "") == "not_allowed"
    effects: list[Any] = []
    if not state.ticking and not forbidden:  # the fallback timer starts with the first answer
        effects.append(Later(ADMIN_FALLBACK_S, WorkersRefresh(), path))
    state = replace(state, loading=False, ticking=state.ticking or not forbidden)
    if kind != "Ok":
        return replace(state, items=state.items or (), notice=problem_text(out), forbidden=forbidden), effects
    head = int(getattr(getattr(out.data, "khala", None), "head_seq", 0) or 0)
    if state.listening and head < state.seq:
        # live events already took the page past this snapshot: keep them, read again
        state, more = _reread(state, path)
        return state, [*effects, *more]
    state = replace(state, items=tuple(_info(w) for w in out.data.workers),
                    runs=tuple(RunInfo(r.run_id, r.method, r.status, r.owner_email, r.worker_id, r.reason_class)
                               for r in out.data.runs), seq=head, notice=None)
    if not state.listening:  # the live tail from exactly the head the overview includes
        state = replace(state, listening=True)
        effects.insert(0, Listen(ADMIN_TOPIC, path, after=head))
    if state.stale:
        state, more = _reread(state, path)
        effects += more
    return state, effects


_TERMINAL = frozenset({"succeeded", "failed", "canceled"})


def _admin_event(state: Workers, intent: AdminLive, path: str) -> tuple[Workers, list[Any]]:
    """Apply one admin:runtime event once (``seq <= state.seq`` is dropped), in order."""
    if not state.listening or intent.seq <= state.seq or state.items is None:
        return state, []
    p = intent.payload
    kind = str(p.get("type", ""))
    state = replace(state, seq=intent.seq)
    items = state.items or ()
    if kind == "admin.worker":
        worker_id, status = str(p.get("worker_id", "")), str(p.get("status", ""))
        line = AdminEvent(intent.seq, "worker", worker_id, status, str(p.get("reason", "")))
        state = replace(state, events=(line, *state.events)[:EVENTS_KEPT])
        if not any(w.worker_id == worker_id for w in items):
            return _reread(state, path)  # a new worker: its owner and heartbeat come with the overview
        return replace(state, items=tuple(replace(w, status=status, adapter=str(p.get("adapter", w.adapter)))
                                          if w.worker_id == worker_id else w for w in items)), []
    if kind == "admin.run":
        run_id, status, worker_id = str(p.get("run_id", "")), str(p.get("status", "")), str(p.get("worker_id", ""))
        method = str(p.get("method", ""))
        line = AdminEvent(intent.seq, "run", run_id, status, method)
        state = replace(state, events=(line, *state.events)[:EVENTS_KEPT])
        owner = next((w.owner_email for w in items if w.worker_id == worker_id), "")
        if any(r.run_id == run_id for r in state.runs):
            runs = tuple(replace(r, status=status, reason_class=str(p.get("reason_class", "")))
                         if r.run_id == run_id else r for r in state.runs)
        else:
            runs = (RunInfo(run_id, method, status, owner, worker_id, str(p.get("reason_class", ""))), *state.runs)
        step = 1 if status == "created" else (-1 if status in _TERMINAL else 0)
        items = tuple(replace(w, open_runs=max(0, w.open_runs + step)) if w.worker_id == worker_id else w
                      for w in items)
        return replace(state, runs=runs[:100], items=items), []
    return state, []
