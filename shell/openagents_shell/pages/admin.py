"""The admin console page (``/admin``): status, maintenance mode with confirmation, the audit trail, and
a link to the shout report queue (``/admin/reports``, drawn by ``pages/social.py``)."""

from __future__ import annotations

from openagents_shell.app.state import State
from openagents_shell.core.admin import (
    AdminFilter,
    AdminMessage,
    AdminReason,
    ApplyAuditFilter,
    AskMaintenance,
    CancelMaintenance,
    ConfirmMaintenance,
)
from openagents_shell.ui.components import (
    button,
    card,
    column,
    dialog,
    error_state,
    link,
    paragraph,
    row,
    table,
    text_field,
)
from openagents_shell.ui.element import Element


def _status(state: State) -> Element:
    s = state.admin.status
    bundles = ", ".join(f"{b.cohort}: {b.build_id} ({b.percent} %)" for b in s.bundles) or "none"
    queues = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in sorted(s.queues.items()))
    return card(
        paragraph(f"Nodes: {len(s.nodes)} · sockets: {s.connections} · subscriptions: {s.subscriptions}",
                  key="admin-nodes"),
        paragraph(f"Bundles: {bundles}" + (" · kill switch ON" if s.killswitch else ""), key="admin-bundles"),
        paragraph(f"Queues: {queues}", key="admin-queues"),
        paragraph(f"Maintenance: {'on — ' + s.maintenance if s.maintenance else 'off'}", key="admin-maintenance"),
        paragraph(f"Disabled routes: {', '.join(s.disabled_routes) or 'none'}", key="admin-routes"),
        title="System status",
    )


def _maintenance(state: State) -> Element:
    a = state.admin
    on = bool(a.status and a.status.maintenance)
    return card(
        text_field("Maintenance message", a.message, AdminMessage, key="admin-message",
                   placeholder="What every API answer says while maintenance is on") if not on else None,
        text_field("Reason", a.reason, AdminReason, key="admin-reason", invalid=a.error is not None, error=a.error,
                   placeholder="Why (recorded in the audit trail)"),
        button("Working…" if a.busy else ("Turn maintenance off" if on else "Turn maintenance on"),
               AskMaintenance(not on), variant="secondary" if on else "danger", disabled=a.busy,
               key="admin-maintenance-toggle"),
        paragraph(a.notice, key="admin-notice") if a.notice else None,
        title="Maintenance mode",
    )


def _audit(state: State) -> Element:
    a = state.admin
    rows = [(e.occurred_at[:19].replace("T", " "), e.event, e.outcome, e.user_id or "—",
             str(e.attributes.get("reason") or "")) for e in a.events]
    return card(
        row(text_field("Filter by event", a.event_filter, AdminFilter, key="admin-filter",
                       placeholder="auth. or ops.routing"),
            button("Apply filter", ApplyAuditFilter(), variant="secondary", key="admin-filter-apply")),
        table(("When (UTC)", "Event", "Outcome", "User", "Reason"), rows, name="Audit events") if rows
        else paragraph("No audit events match.", color="muted", key="admin-audit-empty"),
        title="Recent audit events",
    )


def view(state: State) -> Element:
    a = state.admin
    if a.forbidden:
        return error_state("Administrators only", a.forbidden)
    if not a.loaded or a.status is None:
        return paragraph(a.notice or "Loading…", color="muted", key="admin-loading")
    return column(row(link("Shout reports to review", "/admin/reports", key="admin-reports-link")),
                  _status(state), _maintenance(state), _audit(state))


def overlays(state: State) -> list[Element]:
    if state.route.name != "admin" or not state.admin.confirming:
        return []
    return [dialog("Turn maintenance on?",
                   paragraph("Every API request of every user will be answered 503 with your message until "
                             "maintenance is turned off. The console and sign-in keep working."),
                   row(button("Cancel", CancelMaintenance(), variant="secondary", key="admin-confirm-cancel"),
                       button("Turn it on", ConfirmMaintenance(), variant="danger", key="admin-confirm-ok"),
                       justify="end"),
                   on_dismiss=CancelMaintenance(), key="admin-confirm")]
