"""The admin console (``/admin``) as pure state: system status, maintenance mode, the audit trail.

Platform administrators only: the server decides (``/api/admin/*`` answers 403 ``admin_required``
to anyone else) and the page says so. Switching maintenance on asks for confirmation first (a
modal dialog), and every change carries the operator's reason into the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from openagents_shell.core.account import Answered, Call, Goto, login_href

SCOPE = "/admin"
AUDIT_LIMIT = 20


@dataclass(frozen=True)
class AdminConsole:
    loaded: bool = False
    forbidden: str | None = None
    status: Any = None  # api.admin_types.AdminStatus
    events: tuple[Any, ...] = ()  # api.admin_types.AuditEvent
    event_filter: str = ""
    message: str = ""
    reason: str = ""
    confirming: bool = False
    busy: bool = False
    notice: str | None = None
    error: str | None = None  # at the reason field


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdminMessage:
    value: str


@dataclass(frozen=True)
class AdminReason:
    value: str


@dataclass(frozen=True)
class AdminFilter:
    value: str


@dataclass(frozen=True)
class ApplyAuditFilter:
    pass


@dataclass(frozen=True)
class AskMaintenance:
    """The operator pressed "Turn maintenance on/off"; on asks for confirmation first."""

    on: bool


@dataclass(frozen=True)
class ConfirmMaintenance:
    pass


@dataclass(frozen=True)
class CancelMaintenance:
    pass


AdminIntent = AdminMessage | AdminReason | AdminFilter | ApplyAuditFilter | AskMaintenance | ConfirmMaintenance \
    | CancelMaintenance

ADMIN_INTENTS = (AdminMessage, AdminReason, AdminFilter, ApplyAuditFilter, AskMaintenance, ConfirmMaintenance,
                 CancelMaintenance)


def _kind(outcome: Any) -> str:
    return type(outcome).__name__


def load_status() -> Call:
    return Call("admin_status", "GET", "/api/admin/status", "admin_status", SCOPE)


def load_audit(event_filter: str = "") -> Call:
    query = f"?limit={AUDIT_LIMIT}" + (f"&event={quote(event_filter.strip())}" if event_filter.strip() else "")
    return Call("admin_audit", "GET", "/api/admin/audit" + query, "admin_audit", SCOPE)


def entered() -> tuple[AdminConsole, list[Any]]:
    return AdminConsole(), [load_status(), load_audit()]


def _maintenance_call(admin: AdminConsole, on: bool) -> Call:
    payload: dict[str, Any] = {"on": on, "reason": admin.reason.strip()}
    if on:
        payload.update(message=admin.message.strip(), confirm=True)
    return Call("admin_change", "PUT", "/api/admin/routing/maintenance", "admin_change", SCOPE, payload)


def reduce_admin(admin: AdminConsole, intent: Any, path: str) -> tuple[AdminConsole, list[Any]]:
    if isinstance(intent, AdminMessage):
        return replace(admin, message=intent.value, notice=None), []
    if isinstance(intent, AdminReason):
        return replace(admin, reason=intent.value, error=None, notice=None), []
    if isinstance(intent, AdminFilter):
        return replace(admin, event_filter=intent.value), []
    if isinstance(intent, ApplyAuditFilter):
        return admin, [load_audit(admin.event_filter)]
    if isinstance(intent, AskMaintenance):
        if admin.busy:
            return admin, []
        if len(admin.reason.strip()) < 3:
            return replace(admin, error="Say why (at least 3 characters): it goes into the audit trail."), []
        if intent.on:
            return replace(admin, confirming=True), []
        return replace(admin, busy=True, notice=None), [_maintenance_call(admin, False)]
    if isinstance(intent, CancelMaintenance):
        return replace(admin, confirming=False), []
    if isinstance(intent, ConfirmMaintenance):
        if not admin.confirming or admin.busy:
            return admin, []
        return replace(admin, confirming=False, busy=True, notice=None), [_maintenance_call(admin, True)]
    if isinstance(intent, Answered) and intent.tag.startswith("admin_"):
        out = intent.outcome
        if _kind(out) == "SignInNeeded":
            return replace(admin, busy=False), [Goto(login_href(path))]
        if _kind(out) == "Problem" and getattr(out, "kind", "") == "not_allowed":
            return replace(admin, busy=False, loaded=True, forbidden=out.message), []
        if intent.tag == "admin_status":
            if _kind(out) == "Ok":
                return replace(admin, loaded=True, status=out.data), []
            return replace(admin, loaded=True, notice=getattr(out, "message", "The status could not be read.")), []
        if intent.tag == "admin_audit":
            if _kind(out) == "Ok":
                return replace(admin, events=tuple(out.data.events)), []
            return replace(admin, notice=getattr(out, "message", "The audit trail could not be read.")), []
        if intent.tag == "admin_change":
            if _kind(out) == "Ok":
                on = out.data.control is not None
                notice = "Maintenance is on: every API answer carries your message." if on else \
                    "Maintenance is off."
                return replace(admin, busy=False, reason="", notice=notice), [load_status(), load_audit(admin.event_filter)]
            fields = getattr(out, "fields", {}) or {}
            message = " ".join(fields.get("reason", ())) or getattr(out, "message", "The change was refused.")
            return replace(admin, busy=False, error=message), []
    return admin, []
