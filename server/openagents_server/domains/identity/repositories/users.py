"""Users: local mirrors of the identity provider's users."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec


class User(msgspec.Struct, frozen=True):
    """A row of ``users``: our mirror of the identity provider's user."""

    id: str
    provider: str
    provider_user_id: str
    email: str
    name: str | None
    created_at: datetime
    updated_at: datetime


#: The SELECT list of :class:`User`, in its field order (rows are built positionally).
_COLUMNS = ", ".join(User.__struct_fields__)


def _user(row: asyncpg.Record | None) -> User | None:
    return None if row is None else User(*row)


async def get(conn: asyncpg.Connection, user_id: str) -> User | None:
    return _user(await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE id = $1", user_id))


async def get_by_provider_id(conn: asyncpg.Connection, provider: str, provider_user_id: str) -> User | None:
    return _user(await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM users WHERE provider = $1 AND provider_user_id = $2", provider, provider_user_id
    ))


async def get_by_email(conn: asyncpg.Connection, email: str) -> User | None:
    return _user(await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE email = $1", email))


async def insert(conn: asyncpg.Connection, user_id: str, provider: str, provider_user_id: str, email: str,
                 name: str | None) -> User:
    return User(*await conn.fetchrow(
        f"""INSERT INTO users (id, provider, provider_user_id, email, name) VALUES ($1, $2, $3, $4, $5)
            RETURNING {_COLUMNS}""",
        user_id, provider, provider_user_id, email, name,
    ))


async def update_identity(conn: asyncpg.Connection, user_id: str, email: str, name: str | None) -> User:
    """The provider is the authority for email (and name when it has one)."""
    return User(*await conn.fetchrow(
        f"""UPDATE users SET email = $2, name = COALESCE($3, name), updated_at = now()
            WHERE id = $1 RETURNING {_COLUMNS}""",
        user_id, email, name,
    ))


async def relink(conn: asyncpg.Connection, user_id: str, provider: str, provider_user_id: str) -> User:
    """Point the user at another provider id (same verified email, e.g. moved from local to WorkOS)."""
    return User(*await conn.fetchrow(
        f"""UPDATE users SET provider = $2, provider_user_id = $3, updated_at = now()
            WHERE id = $1 RETURNING {_COLUMNS}""",
        user_id, provider, provider_user_id,
    ))


async def update_name(conn: asyncpg.Connection, user_id: str, name: str | None) -> User:
    return User(*await conn.fetchrow(
        f"UPDATE users SET name = $2, updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}", user_id, name
    ))


async def delete(conn: asyncpg.Connection, user_id: str) -> None:
    """Sessions, refresh tokens, PATs, memberships and the personal org go with it (FK cascades)."""
    await conn.execute("DELETE FROM users WHERE id = $1", user_id)


async def lock_credentials(conn: asyncpg.Connection, user_id: str) -> None:
    """Serialize, until the transaction ends, the changes that revoke one person's credentials.

    Deleting the account, deleting tokens and revoking sessions each lock token or session rows *and*
    insert into ``khala_revoked_sessions``, in different orders: run at once for one person, PostgreSQL
    picked one as a deadlock victim (found by the API fuzzer, account deletion beside "delete all
    tokens"). Taking this lock first in each makes them queue instead. Per person, so nobody else waits.
    """
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('credentials:' || $1, 0))", user_id)
