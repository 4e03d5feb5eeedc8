"""``/workers`` (your workers: status, heartbeat age, stop, how to start one) and ``/admin/runtime`` (every worker
and the latest runs; stop with confirmation)."""

from __future__ import annotations

from openagents_shell.core.account import login_href
from openagents_shell.core.workers import ConfirmStop, StopWorker, WorkerInfo, Workers, heartbeat_text
from openagents_shell.ui.components import (
    SMALL,
    badge,
    button,
    card,
    code_block,
    column,
    dialog,
    empty_state,
    error_state,
    heading,
    label,
    link,
    paragraph,
    row,
    spinner,
    table,
)
from openagents_shell.ui.element import Element, Semantics, Style, box
from openagents_shell.ui.theme import SPACE

LIVE = ("starting", "running", "stopping")
START_COMMAND = "openagents worker run --token $OPENAGENTS_TOKEN --url {origin} --adapter demo --worker-id {worker}"


def _worker_row(w: WorkerInfo, index: int, state: Workers, *, admin: bool) -> Element:
    stop = None
    if w.status in ("starting", "running"):
        busy = w.worker_id in state.stopping
        intent = ConfirmStop(w.worker_id) if admin else StopWorker(w.worker_id)
        stop = button("Stopping…" if busy else "Stop", intent, variant="danger", disabled=busy,
                      key=f"worker-stop-{index}")
    facts = [badge(w.status, tone="selected" if w.status == "running" else "subtle"),
             label(w.adapter, font=SMALL, color="muted"),
             label(f"heartbeat {heartbeat_text(w)}", font=SMALL, color="muted", key=f"worker-beat-{index}")]
    if admin:
        facts += [label(w.owner_email, font=SMALL), label(f"{w.open_runs} open runs", font=SMALL, color="muted")]
    return box(row(label(w.worker_id, key=f"worker-id-{index}"), *facts, stop, wrap=True, gap=SPACE[3]),
               key=f"worker-{index}", sem=Semantics("listitem", name=f"Worker {w.worker_id}: {w.status}"))


def _list(state: Workers, *, admin: bool) -> Element:
    if state.items is None:
        return spinner("Loading workers")
    if not state.items:
        return empty_state("No workers yet", "Start one with the command below; it shows up here at once.")
    return box(*(_worker_row(w, i, state, admin=admin) for i, w in enumerate(state.items)), key="workers-list",
               sem=Semantics("list", name="Workers"), style=Style(gap=SPACE[2]))


def _notice(state: Workers) -> Element | None:
    return box(label(state.notice), key="workers-notice", sem=Semantics("status")) if state.notice else None


def view(state: Workers, path: str, origin: str = "http://127.0.0.1:8000") -> Element:
    if state.signed_out:
        return card(paragraph("Sign in to see and control your workers.", key="workers-signed-out"),
                    link("Sign in", login_href(path), key="workers-sign-in"))
    stopped = [w for w in state.items or () if w.status not in LIVE]
    start = card(
        paragraph("A worker runs where the model is (your laptop with codex, a GPU box, or the demo). Start one "
                  "with a personal access token that has the runtime:write and sync:token abilities:"),
        code_block(START_COMMAND.format(origin=origin, worker=stopped[0].worker_id if stopped else "my-laptop")),
        title="Start a worker")
    return column(_notice(state), _list(state, admin=False), start, gap=SPACE[4])


def admin_view(state: Workers, path: str) -> Element:
    if state.signed_out:
        return card(paragraph("Sign in with an administrator account.", key="admin-signed-out"),
                    link("Sign in", login_href(path), key="admin-sign-in"))
    if state.forbidden:
        return error_state("Administrators only", state.notice or "This page needs an administrator's session.",
                           link("Go to Home", "/"))
    runs = table(["Run", "Method", "Status", "Owner", "Worker"],
                 [[r.run_id, r.method, r.status + (f" ({r.reason_class})" if r.reason_class and r.status == "failed"
                                                   else ""), r.owner_email, r.worker_id] for r in state.runs],
                 name="Latest runs")
    stream = table(["Seq", "What", "Id", "Status", "Detail"],
                   [[str(e.seq), e.kind, e.subject, e.status, e.detail] for e in state.events[:20]],
                   name="Event stream") if state.events else \
        paragraph("No events since this page opened.", color="muted", key="admin-events-empty")
    mode = "Live: changes show as they happen." if state.listening else "Connecting the live stream…"
    return column(_notice(state), label(mode, font=SMALL, color="muted", key="admin-live"),
                  heading("Workers", 2), _list(state, admin=True), heading("Event stream", 2), stream,
                  heading("Latest runs", 2), runs, gap=SPACE[3])


def admin_overlays(state: Workers) -> list[Element]:
    """The stop confirmation, drawn over the page (``shell.view`` layers it)."""
    if not state.confirm:
        return []
    return [dialog("Stop this worker?",
                         paragraph(f"Worker {state.confirm} stops; its open runs fail with worker_stopped."),
                         row(button("Stop worker", StopWorker(state.confirm), variant="danger", key="admin-confirm"),
                             button("Cancel", ConfirmStop(None), variant="secondary", key="admin-cancel")),
                         on_dismiss=ConfirmStop(None), key="admin-dialog")]
