"""Shared bench plumbing: a private PostgreSQL cluster (fsync on, like production) and a fresh database."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import asyncpg
from openagents_server.db.embedded import EmbeddedPostgres
from openagents_server.db.migrate import apply_migrations

REPO = Path(__file__).resolve().parents[1]


def start_cluster() -> EmbeddedPostgres:
    cluster = EmbeddedPostgres(REPO / "var" / "bench-pg", database="postgres",
                               server_settings={"max_connections": "300"})
    cluster.started_here = not (cluster.is_initialized() and cluster.is_running())  # type: ignore[attr-defined]
    cluster.start()
    return cluster


def stop_cluster(cluster: EmbeddedPostgres) -> None:
    """Stop the cluster if this bench started it (nothing is left running afterwards)."""
    if getattr(cluster, "started_here", False):
        cluster.stop()


def fresh_database(cluster: EmbeddedPostgres) -> str:
    name = "oa_bench_" + secrets.token_hex(4)
    cluster.create_database(name)

    async def migrate() -> None:
        conn = await asyncpg.connect(cluster.dsn(name))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    asyncio.run(migrate())
    return cluster.dsn(name)


def postmaster_pid(cluster: EmbeddedPostgres) -> int:
    return int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
