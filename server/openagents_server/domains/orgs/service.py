"""Org memberships, the session's active org, and policy decisions."""

from __future__ import annotations

from typing import Any

import asyncpg

from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.orgs import policy
from openagents_server.domains.orgs import repository as orgs
from openagents_server.domains.orgs.repository import MembershipRecord
from openagents_server.domains.orgs.responses import Membership, Memberships


def membership_view(membership: MembershipRecord) -> Membership:
    return Membership(
        org_id=membership.org_id,
        org_slug=membership.org_slug,
        org_name=membership.org_name,
        role=membership.role,
        role_scopes=list(policy.role_scopes(membership.role, membership.role_scopes)),
        default_org=membership.default_org,
        personal=membership.personal,
    )


def _credential_membership_view(m: dict[str, Any]) -> Membership:
    """A membership as the credential lookup read it (decoded ``db.fragments.MEMBERSHIPS_JSON``)."""
    return Membership(
        org_id=m["org_id"],
        org_slug=m["org_slug"],
        org_name=m["org_name"],
        role=m["role"],
        role_scopes=list(policy.role_scopes(m["role"], m["role_scopes"])),
        default_org=m["default_org"],
        personal=m["personal"],
    )


async def active_org_id(conn: asyncpg.Connection, auth: AuthContext) -> str | None:
    """The session's chosen org, else the user's default org (PATs always use the default)."""
    return auth.active_org_id or await orgs.default_org_id(conn, auth.user_id)


def memberships_of(auth: AuthContext) -> Memberships:
    """Memberships as read with the credential (no extra query)."""
    views = [_credential_membership_view(m) for m in auth.memberships]
    default = views[0].org_id if views else None
    active = auth.active_org_id if any(v.org_id == auth.active_org_id for v in views) else default
    return Memberships(active, views)


async def memberships(conn: asyncpg.Connection, auth: AuthContext) -> Memberships:
    rows = await orgs.memberships(conn, auth.user_id)
    return Memberships(await active_org_id(conn, auth), [membership_view(r) for r in rows])


async def membership(conn: asyncpg.Connection, user_id: str, org_id: str) -> MembershipRecord | None:
    return await orgs.membership(conn, user_id, org_id)


async def membership_rows(conn: asyncpg.Connection, user_id: str) -> list[MembershipRecord]:
    return await orgs.memberships(conn, user_id)


async def default_org_id(conn: asyncpg.Connection, user_id: str) -> str | None:
    return await orgs.default_org_id(conn, user_id)


async def create_personal_org(conn: asyncpg.Connection, user_id: str) -> str:
    """Every new user gets a personal org they own (inside the caller's transaction)."""
    org_id = new_id("org")
    await orgs.create_personal(conn, org_id, f"personal-{org_id[4:]}", "Personal", user_id)
    return org_id


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
        "role": membership.role if membership else None,
        "granted_scopes": list(granted),
        "denied_reasons": denied,
    }
