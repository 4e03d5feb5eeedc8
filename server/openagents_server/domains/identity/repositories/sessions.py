"""Device sessions, their current access token, and their chain of refresh tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from openagents_server.db.fragments import MEMBERSHIPS_JSON


class SessionRecord(msgspec.Struct, frozen=True):
    """A row of ``auth_sessions`` (never its token hashes)."""

    id: str
    user_id: str
    device_id: str
    client_kind: str
    active_org_id: str | None
    status: str
    access_expires_at: datetime
    created_at: datetime
    last_refreshed_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    user_agent: str | None
    ip_address: str | None


class AccessLookup(msgspec.Struct, frozen=True):
    """The credential lookup of an access token: the session, its user and memberships (:func:`by_access_hash`)."""

    id: str
    user_id: str
    device_id: str
    client_kind: str
    active_org_id: str | None
    status: str
    revoked_reason: str | None
    #: The access token has not expired.
    access_valid: bool
    #: Until the access token expires.
    seconds_left: float
    email: str
    name: str | None
    #: The user's memberships as decoded JSON objects (``db.fragments.MEMBERSHIPS_JSON``).
    memberships: list[dict[str, Any]]


class RefreshLookup(msgspec.Struct, frozen=True):
    """A refresh token and its session, both locked (:func:`refresh_for_update`)."""

    refresh_id: str
    refresh_status: str
    #: The refresh token has not expired.
    refresh_valid: bool
    session_id: str
    user_id: str
    device_id: str
    client_kind: str
    session_status: str
    revoked_reason: str | None


#: The SELECT list of :class:`SessionRecord`, in its field order (rows are built positionally).
SESSION_COLUMNS = ", ".join(f"s.{name}" for name in SessionRecord.__struct_fields__)


async def insert(conn: asyncpg.Connection, *, session_id: str, user_id: str, device_id: str, client_kind: str,
                 active_org_id: str | None, access_hash: bytes, access_expires_at: datetime,
                 user_agent: str | None, ip_address: str | None) -> None:
    await conn.execute(
        """INSERT INTO auth_sessions (id, user_id, device_id, client_kind, active_org_id, access_token_hash,
                                      access_expires_at, user_agent, ip_address)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        session_id, user_id, device_id, client_kind, active_org_id, access_hash, access_expires_at,
        user_agent, ip_address,
    )


async def insert_refresh(conn: asyncpg.Connection, refresh_id: str, session_id: str, token_hash: bytes,
                         expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO auth_refresh_tokens (id, session_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        refresh_id, session_id, token_hash, expires_at,
    )


async def by_access_hash(conn: asyncpg.Connection | asyncpg.Pool, access_hash: bytes) -> AccessLookup | None:
    """The hot path of every authenticated request: one indexed lookup joined to the user, one struct."""
    row = await conn.fetchrow(
        f"""SELECT s.id, s.user_id, s.device_id, s.client_kind, s.active_org_id, s.status, s.revoked_reason,
                  s.access_expires_at > now() AS access_valid,
                  extract(epoch FROM s.access_expires_at - now())::float8 AS seconds_left,
                  u.email, u.name, {MEMBERSHIPS_JSON}
           FROM auth_sessions s JOIN users u ON u.id = s.user_id
           WHERE s.access_token_hash = $1""",
        access_hash,
    )
    return None if row is None else AccessLookup(*row)


async def refresh_for_update(conn: asyncpg.Connection, token_hash: bytes) -> RefreshLookup | None:
    """Lock the refresh token and its session: concurrent refreshes of one token serialize here."""
    row = await conn.fetchrow(
        """SELECT r.id AS refresh_id, r.status AS refresh_status, r.expires_at > now() AS refresh_valid,
                  s.id AS session_id, s.user_id, s.device_id, s.client_kind, s.status AS session_status,
                  s.revoked_reason
           FROM auth_refresh_tokens r JOIN auth_sessions s ON s.id = r.session_id
           WHERE r.token_hash = $1
           FOR UPDATE OF r, s""",
        token_hash,
    )
    return None if row is None else RefreshLookup(*row)


async def rotate(conn: asyncpg.Connection, *, session_id: str, old_refresh_id: str, new_refresh_id: str,
                 new_refresh_hash: bytes, refresh_expires_at: datetime, access_hash: bytes,
                 access_expires_at: datetime) -> None:
    await conn.execute(
        """UPDATE auth_refresh_tokens SET status = 'rotated', rotated_at = now(), replaced_by = $2
           WHERE id = $1""",
        old_refresh_id, new_refresh_id,
    )
    await insert_refresh(conn, new_refresh_id, session_id, new_refresh_hash, refresh_expires_at)
    await conn.execute(
        """UPDATE auth_sessions SET access_token_hash = $2, access_expires_at = $3, last_refreshed_at = now()
           WHERE id = $1""",
        session_id, access_hash, access_expires_at,
    )


async def get(conn: asyncpg.Connection, session_id: str) -> SessionRecord | None:
    row = await conn.fetchrow(f"SELECT {SESSION_COLUMNS} FROM auth_sessions s WHERE s.id = $1", session_id)
    return None if row is None else SessionRecord(*row)


async def list_for_user(conn: asyncpg.Connection, user_id: str, include_inactive: bool) -> list[SessionRecord]:
    rows = await conn.fetch(
        f"""SELECT {SESSION_COLUMNS} FROM auth_sessions s
            WHERE s.user_id = $1 AND ($2 OR s.status = 'active')
            ORDER BY s.created_at DESC LIMIT 200""",
        user_id, include_inactive,
    )
    return [SessionRecord(*r) for r in rows]


async def revoke(conn: asyncpg.Connection, *, user_id: str, reason: str, session_ids: list[str] | None = None,
                 device_id: str | None = None, except_session_id: str | None = None,
                 status: str = "revoked") -> list[str]:
    """End the user's active sessions matching the filters (``revoked`` or ``expired``); returns their ids."""
    rows = await conn.fetch(
        """UPDATE auth_sessions SET status = $6, revoked_at = now(), revoked_reason = $2
           WHERE user_id = $1 AND status = 'active'
             AND ($3::text[] IS NULL OR id = ANY($3::text[]))
             AND ($4::text IS NULL OR device_id = $4)
             AND ($5::text IS NULL OR id <> $5)
           RETURNING id""",
        user_id, reason, session_ids, device_id, except_session_id, status,
    )
    ids = [r[0] for r in rows]
    if ids:
        await conn.execute(
            "UPDATE auth_refresh_tokens SET status = 'revoked' WHERE session_id = ANY($1::text[]) AND status = 'active'",
            ids,
        )
    return ids


async def ids_for_user(conn: asyncpg.Connection, user_id: str) -> list[str]:
    return [r[0] for r in await conn.fetch("SELECT id FROM auth_sessions WHERE user_id = $1", user_id)]


async def set_active_org(conn: asyncpg.Connection, session_id: str, org_id: str) -> None:
    await conn.execute("UPDATE auth_sessions SET active_org_id = $2 WHERE id = $1", session_id, org_id)
