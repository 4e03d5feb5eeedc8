"""Personal access tokens (PATs): named, with abilities and an optional expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from openagents_server.db.fragments import MEMBERSHIPS_JSON


class TokenRecord(msgspec.Struct, frozen=True):
    """A row of ``personal_access_tokens`` (never its hash)."""

    id: str
    user_id: str
    name: str
    abilities: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class TokenLookup(msgspec.Struct, frozen=True):
    """The credential lookup of a PAT: the token, its user and memberships (:func:`by_hash`)."""

    id: str
    user_id: str
    abilities: list[str]
    #: Not expired.
    valid: bool
    #: ``last_used_at`` is older than :data:`TOUCH_INTERVAL_SECONDS` (or unset): :func:`touch` it.
    stale: bool
    #: Until expiry; ``None`` when the token never expires.
    seconds_left: float | None
    email: str
    name: str | None
    #: The user's memberships as decoded JSON objects (``db.fragments.MEMBERSHIPS_JSON``).
    memberships: list[dict[str, Any]]


#: The SELECT list of :class:`TokenRecord`, in its field order (rows are built positionally).
_COLUMNS = ", ".join(TokenRecord.__struct_fields__)
#: ``last_used_at`` is written at most once a minute per token, so a busy token is not a write hot spot.
TOUCH_INTERVAL_SECONDS = 60


async def insert(conn: asyncpg.Connection, token_id: str, user_id: str, name: str, token_hash: bytes,
                 abilities: list[str], expires_at: datetime | None) -> TokenRecord:
    row = await conn.fetchrow(
        f"""INSERT INTO personal_access_tokens (id, user_id, name, token_hash, abilities, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}""",
        token_id, user_id, name, token_hash, abilities, expires_at,
    )
    return TokenRecord(*row)


async def list_for_user(conn: asyncpg.Connection, user_id: str) -> list[TokenRecord]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM personal_access_tokens WHERE user_id = $1 ORDER BY created_at DESC, id", user_id
    )
    return [TokenRecord(*r) for r in rows]


async def count_for_user(conn: asyncpg.Connection, user_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM personal_access_tokens WHERE user_id = $1", user_id)


async def by_hash(conn: asyncpg.Connection | asyncpg.Pool, token_hash: bytes) -> TokenLookup | None:
    """Runs on every credential-cache miss of a PAT: one indexed lookup, one struct."""
    row = await conn.fetchrow(
        f"""SELECT t.id, t.user_id, t.abilities, t.expires_at IS NULL OR t.expires_at > now() AS valid,
                  t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => $2) AS stale,
                  extract(epoch FROM t.expires_at - now())::float8 AS seconds_left,
                  u.email, u.name, {MEMBERSHIPS_JSON}
           FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1""",
        token_hash, TOUCH_INTERVAL_SECONDS,
    )
    return None if row is None else TokenLookup(*row)


async def touch(conn: asyncpg.Connection | asyncpg.Pool, token_id: str) -> None:
    await conn.execute("UPDATE personal_access_tokens SET last_used_at = now() WHERE id = $1", token_id)


async def delete(conn: asyncpg.Connection, user_id: str, token_id: str | None = None) -> list[str]:
    """Delete one of the user's tokens (or all of them with ``token_id=None``); returns the ids."""
    rows = await conn.fetch(
        "DELETE FROM personal_access_tokens WHERE user_id = $1 AND ($2::text IS NULL OR id = $2) RETURNING id",
        user_id, token_id,
    )
    return [r[0] for r in rows]
