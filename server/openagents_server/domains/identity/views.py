"""Response shapes shared by the JSON and form routes (anchor: control-auth-session-v1 fixture)."""

from __future__ import annotations

from typing import Any

import asyncpg

from openagents_server.domains.identity.credentials import csrf_token
from openagents_server.domains.identity.repositories.sessions import SessionRecord
from openagents_server.domains.identity.repositories.users import User
from openagents_server.domains.identity.sessions import IssuedSession
from openagents_server.domains.orgs.service import membership_rows, membership_view


def user_view(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name}


async def issued_session_view(conn: asyncpg.Connection, user: User, issued: IssuedSession, *,
                              include_tokens: bool, secret: str) -> dict[str, Any]:
    """The session after sign-in or refresh. Browsers get cookies instead of tokens in the body."""
    memberships = [membership_view(r) for r in await membership_rows(conn, issued.user_id)]
    session: dict[str, Any] = {
        "session_id": issued.session_id,
        "user_id": issued.user_id,
        "device_id": issued.device_id,
        "status": "active",
        "refresh_token_id": issued.refresh_token_id,
        "access_expires_at": issued.access_expires_at.isoformat(),
        "refresh_expires_at": issued.refresh_expires_at.isoformat(),
        "active_org_id": issued.active_org_id,
        "memberships": memberships,
        "identity": {"provider": user.provider, "provider_user_id": user.provider_user_id,
                     "email": user.email},
        "reauth_required": False,
    }
    if include_tokens:
        session["access_token"] = issued.access_token
        session["refresh_token"] = issued.refresh_token
    else:
        session["csrf_token"] = csrf_token(secret, issued.session_id)
    return session


def session_row_view(row: SessionRecord, current_session_id: str | None) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "session_id": row.id,
        "device_id": row.device_id,
        "client_kind": row.client_kind,
        "status": row.status,
        "active_org_id": row.active_org_id,
        "current": row.id == current_session_id,
        "created_at": iso(row.created_at),
        "last_refreshed_at": iso(row.last_refreshed_at),
        "access_expires_at": iso(row.access_expires_at),
        "revoked_at": iso(row.revoked_at),
        "revoked_reason": row.revoked_reason,
        "user_agent": row.user_agent,
        "ip_address": row.ip_address,
    }
