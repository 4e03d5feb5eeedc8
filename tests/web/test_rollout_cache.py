"""The per-worker rollout cache: fresh within a second, and never stalls requests on the database."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from openagents_server.web.repository import Rollout
from openagents_server.web.rollout import ROLLOUT_READ_TIMEOUT_S, RolloutCache


class StalledPool:
    """Stands in for a pool whose database stopped answering (a network black hole)."""

    async def fetchrow(self, *_args: object) -> None:
        await asyncio.sleep(30)


async def test_a_stalled_database_does_not_stall_requests() -> None:
    cache = RolloutCache()
    started = time.monotonic()
    rollout = await cache.get(StalledPool())  # type: ignore[arg-type]
    assert time.monotonic() - started < ROLLOUT_READ_TIMEOUT_S + 0.5
    assert rollout == Rollout(known=False)  # nothing known yet: never guess which bundle


async def test_changes_are_seen_within_the_ttl(db: asyncpg.Connection, database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        cache = RolloutCache(ttl=0.3)
        assert (await cache.get(pool)).killswitch is False
        await db.execute("UPDATE web_rollout SET killswitch = true")
        assert (await cache.get(pool)).killswitch is False  # cached…
        await asyncio.sleep(0.35)
        assert (await cache.get(pool)).killswitch is True  # …for at most the TTL
    finally:
        await pool.close()


async def test_the_last_known_rollout_survives_a_database_outage(database_url: str, db: asyncpg.Connection) -> None:
    await db.execute("UPDATE web_rollout SET killswitch = true")
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    cache = RolloutCache(ttl=0.05)
    assert (await cache.get(pool)).killswitch is True
    await pool.close()  # every read now fails
    await asyncio.sleep(0.06)
    assert (await cache.get(pool)).killswitch is True
