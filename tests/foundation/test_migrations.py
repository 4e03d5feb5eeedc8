import asyncio
from pathlib import Path

import asyncpg
import pytest
from openagents_server.db.migrate import MigrationError, apply_migrations, pending_migrations


def _write(directory: Path, name: str, sql: str) -> None:
    (directory / name).write_text(sql)


async def test_every_migration_applies_on_an_empty_database(make_database) -> None:
    conn = await asyncpg.connect(make_database(migrated=False))
    try:
        applied = await apply_migrations(conn)
        assert applied, "the bundled migrations should apply to an empty database"
        assert await pending_migrations(conn) == []
        assert await apply_migrations(conn) == []
    finally:
        await conn.close()


async def test_two_concurrent_starters_apply_each_migration_once(make_database, tmp_path: Path) -> None:
    # A slow migration widens the race window: without the lock both runners would execute it.
    _write(tmp_path, "0001_counter.sql", "CREATE TABLE hits (n int); SELECT pg_sleep(0.3); INSERT INTO hits VALUES (1);")
    _write(tmp_path, "0002_more.sql", "INSERT INTO hits VALUES (2);")
    dsn = make_database(migrated=False)
    a, b = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        results = await asyncio.gather(apply_migrations(a, tmp_path), apply_migrations(b, tmp_path))
        assert sorted(len(r) for r in results) == [0, 2]
        assert await a.fetchval("SELECT count(*) FROM hits") == 2
        assert await a.fetchval("SELECT count(*) FROM schema_migrations") == 2
    finally:
        await a.close()
        await b.close()


async def test_edited_applied_migration_is_refused(make_database, tmp_path: Path) -> None:
    _write(tmp_path, "0001_t.sql", "CREATE TABLE t (id int);")
    conn = await asyncpg.connect(make_database(migrated=False))
    try:
        await apply_migrations(conn, tmp_path)
        _write(tmp_path, "0001_t.sql", "CREATE TABLE t (id bigint);")
        with pytest.raises(MigrationError, match="0001_t was edited after it was applied"):
            await apply_migrations(conn, tmp_path)
        assert await pending_migrations(conn, tmp_path) == ["0001_t"]
    finally:
        await conn.close()


async def test_failed_migration_rolls_back_and_is_retried(make_database, tmp_path: Path) -> None:
    _write(tmp_path, "0001_ok.sql", "CREATE TABLE ok (id int);")
    _write(tmp_path, "0002_bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();")
    conn = await asyncpg.connect(make_database(migrated=False))
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await apply_migrations(conn, tmp_path)
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert await pending_migrations(conn, tmp_path) == ["0002_bad"]
        _write(tmp_path, "0002_bad.sql", "CREATE TABLE half (id int);")
        assert [m.name for m in await apply_migrations(conn, tmp_path)] == ["bad"]
    finally:
        await conn.close()


def test_misnamed_migration_file_is_rejected(tmp_path: Path) -> None:
    from openagents_server.db.migrate import load_migrations

    _write(tmp_path, "1_init.sql", "")
    with pytest.raises(MigrationError, match="NNNN_description"):
        load_migrations(tmp_path)
