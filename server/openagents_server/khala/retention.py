"""The retention job: prune each topic class by age in bounded batches, one node at a time.

Every node runs the loop; a PostgreSQL advisory lock makes sure only one prunes at any moment, so
adding nodes adds no load. Each batch is its own short transaction (see ``log.prune_class``).
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from openagents_server.khala import log

_log = structlog.get_logger("openagents.khala.retention")
#: "oa-khret" in ASCII: the advisory lock held while pruning.
RETENTION_LOCK_KEY = 0x6F612D6B6872
DEFAULT_INTERVAL_SECONDS = 300.0


async def run_once(pool: asyncpg.Pool, batch_size: int = 5_000) -> dict[str, int] | None:
    """Prune every class if no other node is pruning; None when another node holds the lock."""
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RETENTION_LOCK_KEY):
            return None
        try:
            totals = await log.prune_all(conn, batch_size=batch_size)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", RETENTION_LOCK_KEY)
    if any(totals.values()):
        _log.info("khala_retention_pruned", **totals)
    return totals


async def retention_loop(pool: asyncpg.Pool, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await run_once(pool)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - try again next interval
            _log.warning("khala_retention_failed", error=str(exc))
