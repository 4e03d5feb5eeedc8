"""Rules of the ops domain: change routing controls (each change audited with who and why, in the
same transaction), read the system status and the audit trail for the console."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from openagents_server.audit import audit
from openagents_server.domains.identity import sessions as session_service
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credential_cache import CredentialCache
from openagents_server.domains.ops import repository as repo
from openagents_server.domains.ops.controls import Controls, driver_for
from openagents_server.domains.tokens import service as token_service
from openagents_server.errors import Invalid, NotFound
from openagents_server.khala.metrics import NODE_STALE_SECONDS, merge

#: Drivers a runtime worker can be given (the adapters of domains/runtime/worker).
DRIVERS = ("demo", "codex")
_COHORT = re.compile(r"^(all|user:[A-Za-z0-9_.:-]{1,64}|org:[A-Za-z0-9_.:-]{1,64}|percent:(100|[1-9][0-9]?))$")
_ROUTE = re.compile(r"^/api/[A-Za-z0-9_./{}-]{1,200}$")
#: Paths a route switch may not close: the console and sign-in must keep working.
PROTECTED_ROUTES = ("/api/admin", "/api/auth", "/api/me", "/api/internal", "/api/smoke")


class Actor:
    """Who makes a change: an administrator's session, or the operator at the command line."""

    def __init__(self, label: str, user_id: str | None = None, session_id: str | None = None) -> None:
        self.label, self.user_id, self.session_id = label, user_id, session_id


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise Invalid("reason_required", "Say why (3 to 500 characters): it goes into the audit trail.", field="reason")
    return reason


def _view(row: repo.ControlRecord) -> dict[str, Any]:
    return {"kind": row.kind, "target": row.target, "value": row.value, "retry_after": row.retry_after,
            "updated_by": row.updated_by, "reason": row.reason, "updated_at": row.updated_at.isoformat()}


async def list_controls(conn: repo.Conn) -> list[dict[str, Any]]:
    return [_view(r) for r in await repo.controls(conn)]


async def _change(pool: asyncpg.Pool, actor: Actor, event: str, reason: str, kind: str, target: str,
                  value: str | None, retry_after: int = 60) -> dict[str, Any] | None:
    reason = _check_reason(reason)
    async with pool.acquire() as conn, conn.transaction():
        if value is None:
            row = await repo.delete_control(conn, kind, target)
            if row is None:
                raise NotFound("control_not_found", f"No {kind} control for {target or 'the platform'} is in force.")
            result = None
        else:
            row = await repo.upsert_control(conn, kind, target, value, retry_after, actor.label, reason)
            result = _view(row)
        await audit(conn, event, user_id=actor.user_id, session_id=actor.session_id,
                    attributes={"by": actor.label, "reason": reason, "kind": kind, "target": target,
                                "value": value, "retry_after": retry_after if value is not None else None})
    return result


async def set_maintenance(pool: asyncpg.Pool, actor: Actor, *, on: bool, message: str, reason: str,
                          retry_after: int = 300) -> dict[str, Any] | None:
    if not on:
        return await _change(pool, actor, "ops.routing.maintenance_off", reason, "maintenance", "", None)
    message = message.strip() or "OpenAgents is down for maintenance. Please try again shortly."
    return await _change(pool, actor, "ops.routing.maintenance_on", reason, "maintenance", "", message[:500],
                         retry_after)


def _check_route(prefix: str) -> str:
    prefix = prefix.strip()
    if not _ROUTE.match(prefix):
        raise Invalid("invalid_route", "A route is an API path prefix such as /api/chat.", field="route")
    if any(prefix == p or prefix.startswith(p + "/") or p.startswith(prefix.rstrip("/") + "/")
           for p in PROTECTED_ROUTES):
        raise Invalid("protected_route", f"{prefix} keeps the console or sign-in working; it cannot be disabled.",
                      field="route")
    return prefix.rstrip("/")


async def set_route(pool: asyncpg.Pool, actor: Actor, *, route: str, disabled: bool, message: str, reason: str,
                    retry_after: int = 60) -> dict[str, Any] | None:
    route = _check_route(route)
    if not disabled:
        return await _change(pool, actor, "ops.routing.route_enabled", reason, "route_disabled", route, None)
    message = message.strip() or "This feature is switched off for a moment. Please try again shortly."
    return await _change(pool, actor, "ops.routing.route_disabled", reason, "route_disabled", route, message[:500],
                         retry_after)


async def set_driver(pool: asyncpg.Pool, actor: Actor, *, cohort: str, driver: str | None,
                     reason: str) -> dict[str, Any] | None:
    if not _COHORT.match(cohort):
        raise Invalid("invalid_cohort", "A cohort is all, user:<id>, org:<id> or percent:<1-100>.", field="cohort")
    if driver is None:
        return await _change(pool, actor, "ops.routing.driver_cleared", reason, "driver_override", cohort, None)
    if driver not in DRIVERS:
        raise Invalid("invalid_driver", f"A driver is one of {', '.join(DRIVERS)}.", field="driver")
    return await _change(pool, actor, "ops.routing.driver_override", reason, "driver_override", cohort, driver)


async def maintenance_message(conn: repo.Conn) -> str | None:
    maintenance = Controls.from_rows(await repo.controls(conn)).maintenance
    return maintenance.message if maintenance is not None else None


async def revoke_user_sessions(pool: asyncpg.Pool, actor: Actor, user_id: str, reason: str) -> list[str]:
    """Revoke every active session of a user (reason ``admin``): their sockets close with
    ``reauth_required`` on every node within a second, cached credentials are evicted everywhere."""
    reason = _check_reason(reason)
    async with pool.acquire() as conn, conn.transaction():
        ids = await session_service.revoke_on_request(conn, CredentialCache(ttl=0), user_id=user_id, reason="admin")
        await audit(conn, "ops.sessions.revoked", user_id=actor.user_id, session_id=actor.session_id,
                    attributes={"by": actor.label, "reason": reason, "target_user_id": user_id, "sessions": len(ids)})
    return ids


async def create_token(pool: asyncpg.Pool, actor: Actor, *, email: str, name: str, abilities: list[str],
                       expires_days: int | None) -> dict[str, Any]:
    """A personal access token for an existing account, made by an operator (OA-WEBPARITY-055
    ``ops:create-api-token``): the tokens service's rules and audit, plus ``ops.tokens.created``."""
    user = await repo.user_by_email(pool, email.strip())
    if user is None:
        raise NotFound("user_not_found", f"No account has the email {email.strip()}; it signs in once first.")
    expires_at = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    owner = AuthContext(user_id=user.id, email=user.email, name=user.name, kind="session")
    async with pool.acquire() as conn, conn.transaction():
        created = await token_service.create(conn, owner, name=name, abilities=abilities, expires_at=expires_at)
        await audit(conn, "ops.tokens.created", user_id=actor.user_id,
                    attributes={"by": actor.label, "target_user_id": user.id, "token_id": created["id"]})
    return created


async def driver_override(conn: repo.Conn, user_id: str, org_id: str | None) -> tuple[str, str] | None:
    """(cohort, driver) for a new worker of this user, or None (read at worker creation, not cached)."""
    rows = await repo.driver_overrides(conn)
    return driver_for({r.target: r.value for r in rows}, user_id, org_id)


async def audit_trail(conn: repo.Conn, *, event: str | None = None, user_id: str | None = None,
                      outcome: str | None = None, before_id: int | None = None, since: datetime | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    rows = await repo.audit_events(conn, event_prefix=event, user_id=user_id, outcome=outcome, before_id=before_id,
                                   since=since, limit=limit)
    return [{"id": r.id, "event": r.event_name, "outcome": r.outcome,
             "occurred_at": r.occurred_at.isoformat(), "user_id": r.user_id, "session_id": r.session_id,
             "org_id": r.org_id, "request_id": r.request_id, "attributes": r.attributes or {}}
            for r in rows]


async def status(conn: repo.Conn) -> dict[str, Any]:
    """What the console's first page shows: nodes, connections, the bundle per cohort, queue depths, controls."""
    nodes = await repo.live_nodes(conn, NODE_STALE_SECONDS)
    stats = [dict(r.stats) for r in nodes]
    totals = merge(stats)
    rollout = await repo.rollout(conn)
    bundles = []
    if rollout is not None:
        bundles.append({"cohort": "active", "build_id": rollout.active_build_id or "newest on disk",
                        "percent": 100 - (rollout.canary_percent if rollout.canary_build_id else 0)})
        if rollout.canary_build_id:
            bundles.append({"cohort": "canary", "build_id": rollout.canary_build_id,
                            "percent": rollout.canary_percent})
    controls = Controls.from_rows(await repo.controls(conn))
    return {
        "nodes": [{"node_id": r.node_id, "connections": int(s.get("connections", 0)),
                   "subscriptions": int(s.get("subscriptions", 0)), "updated_at": r.updated_at.isoformat()}
                  for r, s in zip(nodes, stats, strict=True)],
        "connections": int(totals.get("connections", 0)),
        "subscriptions": int(totals.get("subscriptions", 0)),
        "bundles": bundles,
        "killswitch": bool(rollout.killswitch) if rollout is not None else False,
        "queues": msgspec.structs.asdict(await repo.queue_depths(conn)),
        "maintenance": controls.maintenance.message if controls.maintenance else None,
        "disabled_routes": [prefix for prefix, _ in controls.disabled],
        "driver_overrides": dict(controls.drivers),
    }
