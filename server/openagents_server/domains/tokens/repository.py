"""Personal access tokens (PATs): named, with abilities and an optional expiry."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from openagents_server.db.fragments import MEMBERSHIPS_JSON

_COLUMNS = "id, user_id, name, abilities, expires_at, last_used_at, created_at"
#: ``last_used_at`` is written at most once a minute per token, so a busy token is not a write hot spot.
TOUCH_INTERVAL_SECONDS = 60


async def insert(conn: asyncpg.Connection, token_id: str, user_id: str, name: str, token_hash: bytes,
                 abilities: list[str], expires_at: datetime | None) -> asyncpg.Record:
    return await conn.fetchrow(
        f"""INSERT INTO personal_access_tokens (id, user_id, name, token_hash, abilities, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}""",
        token_id, user_id, name, token_hash, abilities, expires_at,
    )


async def list_for_user(conn: asyncpg.Connection, user_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM personal_access_tokens WHERE user_id = $1 ORDER BY created_at DESC, id", user_id
    )


async def by_hash(conn: asyncpg.Connection | asyncpg.Pool, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT t.id, t.user_id, t.abilities, t.expires_at IS NULL OR t.expires_at > now() AS valid,
                  t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => $2) AS stale,
                  extract(epoch FROM t.expires_at - now())::float8 AS seconds_left,
                  u.email, u.name, {MEMBERSHIPS_JSON}
           FROM personal_access_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1""",
        token_hash, TOUCH_INTERVAL_SECONDS,
    )


async def touch(conn: asyncpg.Connection | asyncpg.Pool, token_id: str) -> None:
    await conn.execute("UPDATE personal_access_tokens SET last_used_at = now() WHERE id = $1", token_id)


async def delete(conn: asyncpg.Connection, user_id: str, token_id: str | None = None) -> list[str]:
    """Delete one of the user's tokens (or all of them with ``token_id=None``); returns the ids."""
    rows = await conn.fetch(
        "DELETE FROM personal_access_tokens WHERE user_id = $1 AND ($2::text IS NULL OR id = $2) RETURNING id",
        user_id, token_id,
    )
    return [r[0] for r in rows]
