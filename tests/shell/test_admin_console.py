"""The admin console page through the pure reducer and the Surface (CPython fakes)."""

from __future__ import annotations

from types import SimpleNamespace

from openagents_shell.api.client import FieldErrors, Ok, Problem, SignInNeeded
from openagents_shell.app import Navigate, PushState, boot, initial_state, reduce
from openagents_shell.core.account import Answered, Call
from openagents_shell.core.admin import (
    AdminFilter,
    AdminMessage,
    AdminReason,
    ApplyAuditFilter,
    AskMaintenance,
    CancelMaintenance,
    ConfirmMaintenance,
)
from openagents_shell.pages import shell

from tests.shell.support import Harness

STATUS = SimpleNamespace(nodes=[object(), object()], connections=3, subscriptions=5, killswitch=False,
                         bundles=[SimpleNamespace(cohort="active", build_id="b1", percent=100)],
                         queues={"runtime_runs_open": 1}, maintenance=None, disabled_routes=[], driver_overrides={})
EVENTS = SimpleNamespace(events=[SimpleNamespace(occurred_at="2026-12-06T05:00:00Z", event="ops.routing.maintenance_on",
                                                 outcome="success", user_id="user_1",
                                                 attributes={"reason": "drill"})])


def calls(effects: list[object]) -> list[tuple[str, str, str]]:
    return [(e.tag, e.method, e.path) for e in effects if isinstance(e, Call)]


def test_signed_out_the_console_goes_to_sign_in_without_a_request() -> None:
    state, effects = boot(initial_state("b1", "/admin"), "/admin")
    assert state.route.name == "login" and PushState("/login?next=/admin") in effects and calls(effects) == []


def test_entering_the_console_loads_status_and_audit() -> None:
    _state, effects = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    assert calls(effects) == [("admin_status", "GET", "/api/admin/status"),
                              ("admin_audit", "GET", "/api/admin/audit?limit=20")]


def test_a_non_admin_is_told_the_page_is_for_administrators() -> None:
    state, _ = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    state, _ = reduce(state, Answered("admin_status", Problem("not_allowed", "This needs a platform "
                                                              "administrator's signed-in session.")))
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    [alert] = h.dom.root.find_all(role="alert")
    assert "Administrators only" in alert.all_text() and "administrator" in alert.all_text()


def test_maintenance_on_needs_a_reason_and_a_confirmation_then_reloads() -> None:
    state, _ = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    state, _ = reduce(state, Answered("admin_status", Ok(STATUS)))
    state, _ = reduce(state, Answered("admin_audit", Ok(EVENTS)))
    state, _ = reduce(state, AdminMessage("Back soon"))
    state, effects = reduce(state, AskMaintenance(True))
    assert state.admin.error and calls(effects) == []  # no reason yet
    state, _ = reduce(state, AdminReason("db upgrade"))
    state, effects = reduce(state, AskMaintenance(True))
    assert state.admin.confirming and calls(effects) == []  # asks first
    state, effects = reduce(state, CancelMaintenance())
    assert not state.admin.confirming and calls(effects) == []
    state, _ = reduce(state, AskMaintenance(True))
    state, effects = reduce(state, ConfirmMaintenance())
    [call] = [e for e in effects if isinstance(e, Call)]
    assert (call.method, call.path) == ("PUT", "/api/admin/routing/maintenance")
    assert call.payload == {"on": True, "reason": "db upgrade", "message": "Back soon", "confirm": True}
    state, effects = reduce(state, Answered("admin_change", Ok(SimpleNamespace(control={"kind": "maintenance"}))))
    assert "Maintenance is on" in state.admin.notice
    assert [c[0] for c in calls(effects)] == ["admin_status", "admin_audit"]


def test_a_refused_change_shows_the_servers_message_at_the_reason() -> None:
    state, _ = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    state, _ = reduce(state, Answered("admin_status", Ok(STATUS)))
    state, _ = reduce(state, AdminReason("abc"))
    state, _ = reduce(state, AskMaintenance(True))
    state, _ = reduce(state, ConfirmMaintenance())
    state, _ = reduce(state, Answered("admin_change", FieldErrors("bad", {"reason": ("Too short.",)})))
    assert state.admin.error == "Too short." and not state.admin.busy


def test_the_audit_filter_asks_for_that_event_prefix() -> None:
    state, _ = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    state, _ = reduce(state, AdminFilter("auth."))
    state, effects = reduce(state, ApplyAuditFilter())
    assert calls(effects) == [("admin_audit", "GET", "/api/admin/audit?limit=20&event=auth.")]


def test_an_expired_session_goes_to_sign_in_and_back() -> None:
    state, _ = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    state, _effects = reduce(state, Answered("admin_status", SignInNeeded("/admin")))
    assert state.route.name == "login" and state.login.next == "/admin"


def test_the_console_page_shows_status_controls_audit_and_the_confirmation_dialog() -> None:
    state, _ = reduce(initial_state("b1", "/", signed_in=True), Navigate("/admin"))
    state, _ = reduce(state, Answered("admin_status", Ok(STATUS)))
    state, _ = reduce(state, Answered("admin_audit", Ok(EVENTS)))
    h = Harness()
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    text = h.dom.root.all_text()
    assert "Nodes: 2 · sockets: 3 · subscriptions: 5" in text and "Maintenance: off" in text
    assert "ops.routing.maintenance_on" in text and "drill" in text
    assert h.dom.root.find("button", id="admin-maintenance-toggle").all_text() == "Turn maintenance on"
    state, _ = reduce(state, AdminReason("db upgrade"))
    state, _ = reduce(state, AskMaintenance(True))
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()
    assert "Turn maintenance on?" in h.dom.root.find(role="dialog").all_text()
