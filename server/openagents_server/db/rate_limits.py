"""Shared limits in PostgreSQL: one atomic statement per decision, so every process sees the same state.

* :func:`hit` — GCRA (a token bucket stored as one timestamp, the *theoretical arrival time*):
  ``hits`` per ``window_seconds`` with no window edge at which twice the limit passes.
* :func:`lease` — the per-credential API bucket: refill, then take up to ``want`` tokens at once.

Both use ``now()`` (the statement's time: these run outside explicit transactions), so every
expression of one statement sees the same instant; ``SET`` expressions read the old row.
"""

from __future__ import annotations

import asyncpg


async def hit(conn: asyncpg.Connection | asyncpg.Pool, bucket: str, hits: int,
              window_seconds: float) -> tuple[bool, float]:
    """Count one request; return ``(allowed, seconds until another request would be allowed)``.

    A refused request uses no budget (the bucket is left as it was).
    """
    row = await conn.fetchrow(
        """
        INSERT INTO rate_limit_buckets AS b (bucket, tat, allowed)
        VALUES ($1, now() + make_interval(secs => $3::float8 / $2), true)
        ON CONFLICT (bucket) DO UPDATE SET
            allowed = greatest(b.tat, now()) + make_interval(secs => $3::float8 / $2) - now()
                      <= make_interval(secs => $3::float8),
            tat = CASE WHEN greatest(b.tat, now()) + make_interval(secs => $3::float8 / $2) - now()
                            <= make_interval(secs => $3::float8)
                       THEN greatest(b.tat, now()) + make_interval(secs => $3::float8 / $2)
                       ELSE b.tat END
        RETURNING allowed, extract(epoch FROM tat + make_interval(secs => $3::float8 / $2)
                                          - make_interval(secs => $3::float8) - now())::float8
        """,
        bucket, hits, float(window_seconds),
    )
    return bool(row[0]), max(0.0, float(row[1]))


async def lease(conn: asyncpg.Connection | asyncpg.Pool, credential_id: str, *, want: int, rate: float,
                burst: int) -> tuple[int, float]:
    """Refill ``credential_id``'s bucket (``rate`` tokens/s up to ``burst``), take up to ``want`` whole tokens.

    Returns ``(tokens granted, seconds until one token is back)``; ``0`` granted means refused.
    """
    row = await conn.fetchrow(
        """
        INSERT INTO api_credential_buckets AS b (credential_id, tokens, granted, updated_at)
        VALUES ($1, $4::float8 - least($2::int, $4::int), least($2::int, $4::int), now())
        ON CONFLICT (credential_id) DO UPDATE SET
            granted = least($2::int, floor(least($4::float8,
                          b.tokens + $3::float8 * extract(epoch FROM now() - b.updated_at)::float8))::int),
            tokens = least($4::float8, b.tokens + $3::float8 * extract(epoch FROM now() - b.updated_at)::float8)
                     - least($2::int, floor(least($4::float8,
                          b.tokens + $3::float8 * extract(epoch FROM now() - b.updated_at)::float8))::int),
            updated_at = now()
        RETURNING granted, tokens
        """,
        credential_id, want, float(rate), burst,
    )
    granted, left = int(row[0]), float(row[1])
    return granted, (0.0 if left >= 1 else (1 - left) / rate)


async def prune(conn: asyncpg.Connection | asyncpg.Pool, older_than_seconds: int = 3600) -> int:
    """Delete buckets idle for longer than any limit's window (they would be full again anyway)."""
    result = await conn.execute(
        "DELETE FROM rate_limit_buckets WHERE tat < now() - make_interval(secs => $1)", older_than_seconds,
    )
    await conn.execute(
        "DELETE FROM api_credential_buckets WHERE updated_at < now() - make_interval(secs => $1)",
        older_than_seconds,
    )
    return int(result.split()[-1])
