"""Wrong sign-in codes per email, across challenges and addresses (SQL only; rules in ``sign_in_guard``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def locked_until(conn: asyncpg.Connection, email: str) -> datetime | None:
    """When the email may try a code again, if that is still in the future."""
    return await conn.fetchval(
        "SELECT locked_until FROM sign_in_failures WHERE email = $1 AND locked_until > now()", email,
    )


async def record(conn: asyncpg.Connection, email: str, window_seconds: int) -> tuple[int, datetime] | None:
    """Count one attempt unless the email is locked (``None``); a count older than the window starts
    again. Returns (attempts counted, first counted). The row stays locked until the transaction ends."""
    row = await conn.fetchrow(
        """
        INSERT INTO sign_in_failures AS f (email, failures, first_failure_at, last_failure_at, locked_until)
        VALUES ($1, 1, now(), now(), now())
        ON CONFLICT (email) DO UPDATE SET
            failures = CASE WHEN f.first_failure_at < now() - make_interval(secs => $2) THEN 1
                            ELSE f.failures + 1 END,
            first_failure_at = CASE WHEN f.first_failure_at < now() - make_interval(secs => $2) THEN now()
                                    ELSE f.first_failure_at END,
            last_failure_at = now()
        WHERE f.locked_until <= now()
        RETURNING failures, first_failure_at
        """,
        email, window_seconds,
    )
    return None if row is None else (int(row[0]), row[1])


async def refund(conn: asyncpg.Connection, email: str) -> None:
    """Uncount an attempt whose code was never compared (no challenge, provider down …)."""
    await conn.execute("UPDATE sign_in_failures SET failures = greatest(failures - 1, 0) WHERE email = $1", email)


async def lock(conn: asyncpg.Connection, email: str, until: datetime) -> None:
    await conn.execute("UPDATE sign_in_failures SET locked_until = $2 WHERE email = $1", email, until)


async def clear(conn: asyncpg.Connection, email: str) -> None:
    await conn.execute("DELETE FROM sign_in_failures WHERE email = $1", email)
