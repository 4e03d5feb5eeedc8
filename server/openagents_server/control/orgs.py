"""Org memberships, the session's active org, and policy decisions."""

from __future__ import annotations

from typing import Any

import asyncpg

from openagents_server.audit import audit
from openagents_server.control import policy, problems
from openagents_server.control.auth_cache import invalidate
from openagents_server.control.context import AuthContext
from openagents_server.control.repositories import orgs, sessions


def membership_view(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    return {
        "org_id": row["org_id"],
        "org_slug": row["org_slug"],
        "org_name": row["org_name"],
        "role": row["role"],
        "role_scopes": list(policy.membership_scopes(row)),
        "default_org": row["default_org"],
        "personal": row["personal"],
    }


async def active_org_id(conn: asyncpg.Connection, auth: AuthContext) -> str | None:
    """The session's chosen org, else the user's default org (PATs always use the default)."""
    return auth.active_org_id or await orgs.default_org_id(conn, auth.user_id)


def memberships_of(auth: AuthContext) -> dict[str, Any]:
    """Memberships as read with the credential (no extra query)."""
    views = [membership_view(m) for m in auth.memberships]
    default = views[0]["org_id"] if views else None
    active = auth.active_org_id if any(v["org_id"] == auth.active_org_id for v in views) else default
    return {"active_org_id": active, "memberships": views}


async def memberships(conn: asyncpg.Connection, auth: AuthContext) -> dict[str, Any]:
    rows = await orgs.memberships(conn, auth.user_id)
    return {"active_org_id": await active_org_id(conn, auth), "memberships": [membership_view(r) for r in rows]}


async def set_active_org(conn: asyncpg.Connection, auth: AuthContext, org_id: str) -> dict[str, Any]:
    membership = await orgs.membership(conn, auth.user_id, org_id)
    if membership is None:
        await audit(conn, "orgs.active.denied", outcome="denied", user_id=auth.user_id,
                    session_id=auth.session_id, org_id=org_id)
        raise problems.forbidden("You are not a member of this org.", "not_a_member")
    async with conn.transaction():
        await sessions.set_active_org(conn, auth.session_id or "", org_id)
        await invalidate(conn, credential_id=auth.session_id)
        await audit(conn, "orgs.active.changed", user_id=auth.user_id, session_id=auth.session_id, org_id=org_id)
    return {"active_org_id": org_id, "membership": membership_view(membership)}


async def authorize(conn: asyncpg.Connection, auth: AuthContext, *, org_id: str | None,
                    required_scopes: list[str], requested_topics: list[str]) -> dict[str, Any]:
    """Answer "may the caller do this?" without doing it. Always 200; ``allowed`` says the verdict."""
    resolved_org = org_id or await active_org_id(conn, auth)
    membership = await orgs.membership(conn, auth.user_id, resolved_org) if resolved_org else None
    granted = policy.membership_scopes(membership)
    denied: list[dict[str, str]] = []
    if membership is None:
        denied.append({"org_id": resolved_org or "", "reason": "not_a_member"})
    for scope in required_scopes:
        if scope not in policy.ALL_SCOPES:
            denied.append({"scope": scope, "reason": "unknown_scope"})
        elif scope not in granted:
            denied.append({"scope": scope, "reason": "scope_not_granted"})
    for name in requested_topics:
        topic = policy.parse_topic(name)
        if topic is None:
            denied.append({"topic": name, "reason": "unknown_topic"})
            continue
        if topic.scope not in granted:
            denied.append({"topic": name, "reason": "scope_not_granted"})
            continue
        reason = await policy.topic_denial(conn, topic, user_id=auth.user_id, org_id=resolved_org or "")
        if reason:
            denied.append({"topic": name, "reason": reason})
    return {
        "allowed": not denied,
        "org_id": resolved_org,
        "role": membership["role"] if membership else None,
        "granted_scopes": list(granted),
        "denied_reasons": denied,
    }
