"""asyncpg pool creation with JSON codecs registered once per connection."""

from __future__ import annotations

import json
from collections.abc import Callable

import asyncpg

from openagents_server.settings import Settings


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, settings: Settings,
                      on_connect: Callable[[asyncpg.Connection], None] | None = None) -> asyncpg.Pool:
    """The main pool; ``on_connect`` runs once per new connection (the metrics' statement timer)."""

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        if on_connect is not None:
            on_connect(conn)

    pool = await asyncpg.create_pool(
        dsn,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=init,
        command_timeout=30,
    )
    assert pool is not None
    return pool
