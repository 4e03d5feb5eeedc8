"""asyncpg pool creation with JSON codecs registered once per connection."""

from __future__ import annotations

import json

import asyncpg

from openagents_server.settings import Settings


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, settings: Settings) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=init_connection,
        command_timeout=30,
    )
    assert pool is not None
    return pool
