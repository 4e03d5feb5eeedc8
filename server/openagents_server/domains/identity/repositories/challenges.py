"""Login challenges ("a code was sent to this email")."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec


class Challenge(msgspec.Struct, frozen=True):
    """A row of ``auth_challenges``: a code was sent to this email."""

    id: str
    email: str
    provider: str
    provider_challenge_id: str | None
    pending_provider_user_id: str | None
    #: Only the local provider's codes are stored (for ``openagents auth code``); cleared when consumed.
    local_code: str | None
    attempts: int
    expires_at: datetime
    consumed_at: datetime | None
    created_at: datetime


class LocalCode(msgspec.Struct, frozen=True):
    """The pending code the local provider sent to an email (:func:`latest_local_code`)."""

    local_code: str
    expires_at: datetime


#: The SELECT list of :class:`Challenge`, in its field order (rows are built positionally).
_COLUMNS = ", ".join(Challenge.__struct_fields__)


def _challenge(row: asyncpg.Record | None) -> Challenge | None:
    return None if row is None else Challenge(*row)


async def insert(conn: asyncpg.Connection, challenge_id: str, email: str, provider: str,
                 provider_challenge_id: str | None, pending_provider_user_id: str | None,
                 local_code: str | None, expires_at: datetime) -> None:
    await conn.execute(
        """INSERT INTO auth_challenges
               (id, email, provider, provider_challenge_id, pending_provider_user_id, local_code, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        challenge_id, email, provider, provider_challenge_id, pending_provider_user_id, local_code, expires_at,
    )


async def get_for_update(conn: asyncpg.Connection, challenge_id: str) -> Challenge | None:
    return _challenge(await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM auth_challenges WHERE id = $1 FOR UPDATE", challenge_id
    ))


async def latest_open_for_update(conn: asyncpg.Connection, email: str) -> Challenge | None:
    return _challenge(await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM auth_challenges WHERE email = $1 AND consumed_at IS NULL
           ORDER BY created_at DESC LIMIT 1 FOR UPDATE""",
        email,
    ))


async def email_of(conn: asyncpg.Connection, challenge_id: str) -> str | None:
    return await conn.fetchval("SELECT email FROM auth_challenges WHERE id = $1", challenge_id)


async def latest_local_code(conn: asyncpg.Connection, email: str) -> LocalCode | None:
    row = await conn.fetchrow(
        """SELECT local_code, expires_at FROM auth_challenges
           WHERE email = $1 AND consumed_at IS NULL AND local_code IS NOT NULL AND expires_at > now()
           ORDER BY created_at DESC LIMIT 1""",
        email,
    )
    return None if row is None else LocalCode(*row)


async def count_attempt(conn: asyncpg.Connection, challenge_id: str) -> int:
    return await conn.fetchval(
        "UPDATE auth_challenges SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts", challenge_id
    )


async def consume(conn: asyncpg.Connection, challenge_id: str) -> None:
    await conn.execute(
        "UPDATE auth_challenges SET consumed_at = now(), local_code = NULL WHERE id = $1", challenge_id
    )


async def delete_for_email(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("DELETE FROM auth_challenges WHERE email = $1", email)


async def prune(conn: asyncpg.Connection, older_than_hours: int = 24) -> None:
    """Challenges are only useful for minutes; keep a day for support questions, then forget them."""
    await conn.execute(
        "DELETE FROM auth_challenges WHERE created_at < now() - make_interval(hours => $1)", older_than_hours
    )
