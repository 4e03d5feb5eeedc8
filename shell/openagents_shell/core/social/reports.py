"""``/admin/reports``: the administrators' review queue of shout reports (ADR 0703).

A report made on ``/feed`` lands here. An administrator reads the shout (as text), who reported it
and why, and how many people did; then either dismisses the report or hides the shout. Hiding takes
the shout off every reader's feed live (the server's ``shout.hidden`` event) and resolves its other
open reports with it, so it asks first, in a dialog that also takes an optional note for the record.
The server decides who is an administrator (403 for anyone else, and the page says so).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from openagents_shell.core.account import Answered, Call, Goto, login_href
from openagents_shell.core.social.answers import error_message, field_error, outcome_kind

REPORTS = "/admin/reports"
STATES = ("open", "resolved", "all")
PAGE = 30


@dataclass(frozen=True)
class ReportRow:
    id: str
    n: int
    shout_id: str
    text: str
    author: str
    reporter: str
    reason: str
    reports_on_shout: int
    day: str  # YYYY-MM-DD of the report
    resolution: str | None  # None while open; "dismissed" or "actioned"
    note: str = ""


@dataclass(frozen=True)
class ReportQueueView:
    loaded: bool = False
    forbidden: str | None = None
    state: str = "open"  # which reports are listed: open, resolved or all
    rows: tuple[ReportRow, ...] = ()
    next_before: int | None = None
    open_count: int = 0
    loading_more: bool = False
    busy: str | None = None  # the report id whose resolution is on its way
    confirm_hide: str | None = None  # the report whose "Hide shout" is being asked about
    note: str = ""  # the note typed in that dialog
    note_error: str | None = None
    notice: str | None = None
    error: str | None = None  # the queue could not be read


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportsShow:
    """Switch the list: ``open``, ``resolved`` or ``all``."""

    state: str


@dataclass(frozen=True)
class ReportsMore:
    pass


@dataclass(frozen=True)
class DismissReport:
    report_id: str


@dataclass(frozen=True)
class AskHide:
    report_id: str


@dataclass(frozen=True)
class HideNote:
    value: str


@dataclass(frozen=True)
class ConfirmHide:
    pass


@dataclass(frozen=True)
class CancelHide:
    pass


REPORTS_INTENTS = (ReportsShow, ReportsMore, DismissReport, AskHide, HideNote, ConfirmHide, CancelHide)


def _list_call(state: str, before: int | None = None, *, tag: str = "reports_page") -> Call:
    query = f"?status={state}&limit={PAGE}" + (f"&before={before}" if before is not None else "")
    return Call(tag, "GET", "/api/admin/social/reports" + query, "report_queue", REPORTS)


def _resolve_call(report_id: str, resolution: str, note: str) -> Call:
    payload: dict[str, Any] = {"resolution": resolution}
    if note.strip():
        payload["note"] = note.strip()
    return Call("reports_resolve", "POST", f"/api/admin/social/reports/{quote(report_id, safe='')}/resolve",
                "reported_shout", REPORTS, payload)


def enter_reports() -> tuple[ReportQueueView, list[Any]]:
    return ReportQueueView(), [_list_call("open")]


def _row(r: Any) -> ReportRow:
    return ReportRow(id=r.id, n=r.n, shout_id=r.shout.id, text=r.shout.text, author=r.shout.author.display_name,
                     reporter=r.reporter.display_name, reason=r.reason or "", reports_on_shout=r.reports_on_shout,
                     day=r.created_at[:10], resolution=r.resolution, note=r.resolution_note or "")


def _resolved(view: ReportQueueView, report: Any) -> ReportQueueView:
    """Apply a resolution: in the open list the report (and, when the shout was hidden, every other
    report of that shout, which the server resolved with it) goes; elsewhere it is shown resolved."""
    row = _row(report)
    same_shout = report.resolution == "actioned"
    touched = {r.id for r in view.rows
               if r.id == row.id or (same_shout and r.shout_id == row.shout_id and r.resolution is None)}
    if view.state == "open":
        rows = tuple(r for r in view.rows if r.id not in touched)
    else:
        rows = tuple(replace(r, resolution=row.resolution, note=row.note) if r.id in touched else r
                     for r in view.rows)
    open_count = max(0, view.open_count - len(touched))
    what = f"Hid the shout by {row.author}" if row.resolution == "actioned" else "Dismissed the report"
    also = len(touched) - 1
    if also > 0:
        what += f"; {also} other report{'s' if also != 1 else ''} of it resolved with it"
    return replace(view, rows=rows, open_count=open_count, busy=None, notice=what + ".")


def reduce_reports(view: ReportQueueView, intent: Any, path: str = REPORTS) -> tuple[ReportQueueView, list[Any]]:
    if isinstance(intent, ReportsShow):
        if intent.state not in STATES:
            return view, []
        return replace(ReportQueueView(), state=intent.state, open_count=view.open_count), \
            [_list_call(intent.state)]
    if isinstance(intent, ReportsMore):
        if view.next_before is None or view.loading_more:
            return view, []
        return replace(view, loading_more=True), [_list_call(view.state, view.next_before, tag="reports_more")]
    if isinstance(intent, DismissReport):
        if view.busy:
            return view, []
        return replace(view, busy=intent.report_id, notice=None), [_resolve_call(intent.report_id, "dismissed", "")]
    if isinstance(intent, AskHide):
        if view.busy:
            return view, []
        return replace(view, confirm_hide=intent.report_id, note="", note_error=None, notice=None), []
    if isinstance(intent, HideNote):
        return replace(view, note=intent.value, note_error=None), []
    if isinstance(intent, CancelHide):
        return replace(view, confirm_hide=None, note_error=None), []
    if isinstance(intent, ConfirmHide):
        if view.confirm_hide is None or view.busy:
            return view, []
        return replace(view, busy=view.confirm_hide), [_resolve_call(view.confirm_hide, "actioned", view.note)]
    if not isinstance(intent, Answered):
        return view, []
    out = intent.outcome
    if outcome_kind(out) == "SignInNeeded":
        return replace(view, busy=None), [Goto(login_href(path))]
    if outcome_kind(out) == "Problem" and getattr(out, "kind", "") == "not_allowed":
        return replace(view, loaded=True, busy=None, forbidden=out.message), []
    if intent.tag in ("reports_page", "reports_more"):
        if outcome_kind(out) != "Ok":
            return replace(view, loaded=True, loading_more=False, error=error_message(out)), []
        rows = tuple(_row(r) for r in out.data.reports)
        if intent.tag == "reports_more":
            known = {r.id for r in view.rows}
            rows = view.rows + tuple(r for r in rows if r.id not in known)
        return replace(view, loaded=True, loading_more=False, rows=rows, next_before=out.data.next_before,
                       open_count=out.data.open_count, error=None), []
    if intent.tag == "reports_resolve":
        if outcome_kind(out) == "Ok":
            return replace(_resolved(view, out.data), confirm_hide=None, note=""), []
        note_error = field_error(out, "note")
        if note_error and view.confirm_hide is not None:
            return replace(view, busy=None, note_error=note_error), []  # the dialog stays, with the reason
        # 409: another administrator resolved it first. Their decision stands; read the list again.
        conflict = outcome_kind(out) == "Problem" and getattr(out, "kind", "") == "conflict"
        again = [_list_call(view.state)] if conflict else []
        return replace(view, busy=None, confirm_hide=None, notice=error_message(out)), again
    return view, []
