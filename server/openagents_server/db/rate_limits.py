"""Fixed-window counters: one atomic upsert per hit, so every process sees the same count."""

from __future__ import annotations

import asyncpg


async def hit(conn: asyncpg.Connection | asyncpg.Pool, bucket: str, window_seconds: int) -> tuple[int, float]:
    """Count one hit in the current window; return (hits so far, seconds until the window ends)."""
    row = await conn.fetchrow(
        """
        WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2) AS start)
        INSERT INTO rate_limit_counters AS c (bucket, window_start, hits)
        SELECT $1, w.start, 1 FROM w
        ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + 1
        RETURNING hits, extract(epoch FROM (window_start + make_interval(secs => $2) - clock_timestamp()))
        """,
        bucket, window_seconds,
    )
    return int(row[0]), float(row[1])


async def prune(conn: asyncpg.Connection | asyncpg.Pool, older_than_seconds: int = 3600) -> int:
    result = await conn.execute(
        "DELETE FROM rate_limit_counters WHERE window_start < clock_timestamp() - make_interval(secs => $1)",
        older_than_seconds,
    )
    return int(result.split()[-1])
