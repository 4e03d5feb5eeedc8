"""Shared fixtures: a real PostgreSQL (embedded unless OPENAGENTS_TEST_DATABASE_URL), one fresh
database per test cloned from a migrated template, and real granian servers."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from openagents_server.db.embedded import EmbeddedPostgres
from openagents_server.db.migrate import apply_migrations
from openagents_server.settings import Settings, load_settings

from tests.support.servers import LiveServer

REPO = Path(__file__).resolve().parents[1]
TEMPLATE_DB = "oa_test_template"
T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion in a private thread (keeps pytest-asyncio's loop untouched)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _worker_suffix() -> str:
    """``-gw0``… under pytest-xdist: each worker process runs its own embedded cluster."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"-{worker}" if worker else ""


def _with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """DSN of a maintenance database on the test server (created once per session)."""
    external = os.environ.get("OPENAGENTS_TEST_DATABASE_URL")
    if external:
        yield _with_database(external, "postgres")
        return
    cluster = EmbeddedPostgres(
        REPO / "var" / f"test-pg{_worker_suffix()}",
        database="postgres",
        server_settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    cluster.start()
    try:
        yield cluster.dsn("postgres")
    finally:
        cluster.stop(mode="immediate")


async def _recreate(admin_dsn: str, name: str, template: str | None = None) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        clause = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_dsn(pg_admin_dsn: str) -> str:
    """A database with every migration applied; each test clones it."""

    async def build() -> str:
        await _recreate(pg_admin_dsn, TEMPLATE_DB)
        dsn = _with_database(pg_admin_dsn, TEMPLATE_DB)
        conn = await asyncpg.connect(dsn)
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()
        return dsn

    return run_sync(build())


@pytest.fixture
def make_database(pg_admin_dsn: str, template_dsn: str) -> Iterator[Callable[..., str]]:
    """Factory for fresh databases (migrated clones by default); all dropped after the test."""
    created: list[str] = []

    def make(migrated: bool = True) -> str:
        name = "oa_t_" + secrets.token_hex(6)
        run_sync(_recreate(pg_admin_dsn, name, TEMPLATE_DB if migrated else None))
        created.append(name)
        return _with_database(pg_admin_dsn, name)

    yield make

    async def drop() -> None:
        conn = await asyncpg.connect(pg_admin_dsn)
        try:
            for name in created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    run_sync(drop())


@pytest.fixture
def database_url(make_database: Callable[..., str]) -> str:
    """A fresh, migrated database for this test alone."""
    return make_database()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings({}, env="test", database_url=database_url, log_level="warning")


@pytest.fixture
def live_server(database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """Factory starting real granian servers on this test's database; all stopped afterwards."""
    servers: list[LiveServer] = []

    def start(workers: int = 1, env: dict[str, str] | None = None, database: str | None = None) -> LiveServer:
        server = LiveServer(database or database_url, workers=workers, env=env or {})
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
