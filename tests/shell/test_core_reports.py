"""The administrators' report queue (``/admin/reports``) as pure state: list, dismiss, hide with a note."""

from __future__ import annotations

from types import SimpleNamespace as NS

from openagents_shell.api.client import FieldErrors, Ok, Problem
from openagents_shell.app import PushState, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.social.reports import (
    AskHide,
    CancelHide,
    ConfirmHide,
    DismissReport,
    HideNote,
    ReportsMore,
    ReportsShow,
)
from openagents_shell.pages import shell
from openagents_shell.ui.element import Element


def calls(effects: list[object]) -> list[tuple[str, str, str, object]]:
    return [(e.tag, e.method, e.path, e.payload) for e in effects if isinstance(e, Call)]


def texts(element: Element) -> list[str]:
    out = [element.text] if getattr(element, "text", None) else []
    for child in element.children:
        out += texts(child)
    return out


def report(rid: str, shout: str, author: str = "Cy", resolution: str | None = None, on_shout: int = 1,
           reason: str | None = "spam", n: int = 1) -> NS:
    return NS(id=rid, n=n, shout=NS(id=shout, text=f"text of {shout} <b>x</b>", author=NS(id="usr_c", display_name=author)),
              reporter=NS(id="usr_b", display_name="Bo"), reason=reason, created_at="2026-12-05T09:00:00+00:00",
              reports_on_shout=on_shout, resolution=resolution, resolution_note=None)


def queue(*reports: NS, next_before: int | None = None, open_count: int | None = None) -> NS:
    return NS(reports=list(reports), next_before=next_before,
              open_count=len(reports) if open_count is None else open_count)


def opened():
    state, effects = boot(initial_state("b1", "/admin/reports", signed_in=True), "/admin/reports")
    assert ("reports_page", "GET", "/api/admin/social/reports?status=open&limit=30", None) in calls(effects)
    assert "Loading…" in texts(shell.view(state))
    return state


def test_an_admin_reads_the_open_reports_with_the_shout_as_text_and_pages_on() -> None:
    state = opened()
    state, _ = reduce(state, Answered("reports_page", Ok(queue(report("rpt_2", "sht_5", on_shout=2, n=2),
                                                               report("rpt_1", "sht_5", on_shout=2, n=1),
                                                               next_before=1, open_count=3))))
    shown = texts(shell.view(state))
    assert "Open (3)" in shown and "text of sht_5 <b>x</b>" in shown  # as written: never HTML
    assert "Reported by Bo on 2026-12-05 · 1 more report" in shown and "Reason: spam" in shown
    state, effects = reduce(state, ReportsMore())
    assert calls(effects) == [("reports_more", "GET", "/api/admin/social/reports?status=open&limit=30&before=1", None)]
    _, again = reduce(state, ReportsMore())
    assert calls(again) == []  # one page at a time
    state, _ = reduce(state, Answered("reports_more", Ok(queue(report("rpt_0", "sht_3", n=0), open_count=3))))
    assert [r.id for r in state.reports.rows] == ["rpt_2", "rpt_1", "rpt_0"] and state.reports.next_before is None
    state, effects = reduce(state, ReportsShow("resolved"))
    assert calls(effects) == [("reports_page", "GET", "/api/admin/social/reports?status=resolved&limit=30", None)]
    assert not state.reports.loaded and state.reports.state == "resolved"


def test_dismiss_resolves_one_report_and_hide_asks_first_then_resolves_every_report_of_the_shout() -> None:
    state = opened()
    state, _ = reduce(state, Answered("reports_page", Ok(queue(report("rpt_3", "sht_9", author="Di"),
                                                               report("rpt_2", "sht_5", on_shout=2),
                                                               report("rpt_1", "sht_5", on_shout=2)))))
    state, effects = reduce(state, DismissReport("rpt_3"))
    assert calls(effects) == [("reports_resolve", "POST", "/api/admin/social/reports/rpt_3/resolve",
                               {"resolution": "dismissed"})]
    meanwhile, again = reduce(state, AskHide("rpt_2"))
    assert calls(again) == [] and meanwhile.reports.confirm_hide is None  # nothing else while one is on its way
    state, _ = reduce(state, Answered("reports_resolve", Ok(report("rpt_3", "sht_9", author="Di",
                                                                  resolution="dismissed"))))
    assert [r.id for r in state.reports.rows] == ["rpt_2", "rpt_1"] and state.reports.open_count == 2
    assert state.reports.notice == "Dismissed the report."

    state, effects = reduce(state, AskHide("rpt_2"))
    assert calls(effects) == [] and "Hide this shout by Cy?" in texts(shell.view(state))
    state, _ = reduce(state, CancelHide())
    assert "Hide this shout by Cy?" not in texts(shell.view(state))
    state, _ = reduce(state, AskHide("rpt_2"))
    state, _ = reduce(state, HideNote("  spam link  "))
    state, effects = reduce(state, ConfirmHide())
    assert calls(effects) == [("reports_resolve", "POST", "/api/admin/social/reports/rpt_2/resolve",
                               {"resolution": "actioned", "note": "spam link"})]
    state, _ = reduce(state, Answered("reports_resolve", Ok(report("rpt_2", "sht_5", resolution="actioned"))))
    assert state.reports.rows == () and state.reports.open_count == 0 and state.reports.confirm_hide is None
    assert state.reports.notice == "Hid the shout by Cy; 1 other report of it resolved with it."
    assert "Nothing to review" in texts(shell.view(state))


def test_a_refused_note_keeps_the_dialog_a_conflict_reloads_and_a_non_admin_is_told() -> None:
    state = opened()
    state, _ = reduce(state, Answered("reports_page", Ok(queue(report("rpt_1", "sht_5")))))
    state, _ = reduce(state, AskHide("rpt_1"))
    state, _ = reduce(state, HideNote("x" * 600))
    state, _ = reduce(state, ConfirmHide())
    state, _ = reduce(state, Answered("reports_resolve", FieldErrors("Invalid.", {"note": ["At most 500 characters."]})))
    assert state.reports.confirm_hide == "rpt_1" and state.reports.note_error == "At most 500 characters."
    assert state.reports.busy is None
    state, effects = reduce(state, ConfirmHide())
    state, effects = reduce(state, Answered("reports_resolve",
                                            Problem("conflict", "This report was already dismissed.")))
    assert state.reports.notice == "This report was already dismissed." and state.reports.confirm_hide is None
    assert calls(effects) == [("reports_page", "GET", "/api/admin/social/reports?status=open&limit=30", None)]

    state = opened()
    state, _ = reduce(state, Answered("reports_page", Problem("not_allowed", "Administrators only.")))
    assert "Administrators only" in texts(shell.view(state))
    _, effects = boot(initial_state("b1", "/admin/reports", signed_in=False), "/admin/reports")
    assert calls(effects) == [] and PushState("/login?next=/admin/reports") in effects
