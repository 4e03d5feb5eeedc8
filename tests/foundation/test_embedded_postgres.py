import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from openagents_server.db.embedded import EmbeddedPostgres, EmbeddedPostgresError, find_pg_bin_dir

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """Under the repo's var/: PostgreSQL runs as 'postgres' there, and pytest's tmp dirs are 0700."""
    path = REPO / "var" / "tmp" / secrets.token_hex(4)
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _postgres_pids(data_dir: Path) -> list[str]:
    out = subprocess.run(["pgrep", "-f", f"postgres -D {data_dir}"], capture_output=True, text=True, check=False)
    return out.stdout.split()


async def test_start_stop_and_reuse_keep_data(tmp_path: Path) -> None:
    cluster = EmbeddedPostgres(tmp_path / "pg")
    cluster.start()
    try:
        conn = await asyncpg.connect(cluster.dsn())
        await conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')")
        await conn.close()
        assert _postgres_pids(cluster.data_dir)
    finally:
        cluster.stop()
    assert not cluster.is_running()
    assert _postgres_pids(cluster.data_dir) == []

    again = EmbeddedPostgres(tmp_path / "pg")
    again.start()
    try:
        conn = await asyncpg.connect(again.dsn())
        assert await conn.fetchval("SELECT v FROM kept") == "survives"
        await conn.close()
    finally:
        again.stop()


async def test_listens_on_a_unix_socket_only(tmp_path: Path) -> None:
    cluster = EmbeddedPostgres(tmp_path / "pg")
    cluster.start()
    try:
        conn = await asyncpg.connect(cluster.dsn())
        assert await conn.fetchval("SHOW listen_addresses") == ""
        await conn.close()
    finally:
        cluster.stop()


def test_recovers_from_a_stale_pid_file_after_a_crash(tmp_path: Path) -> None:
    cluster = EmbeddedPostgres(tmp_path / "pg")
    cluster.start()
    cluster.stop(mode="immediate")
    (cluster.data_dir / "postmaster.pid").write_text("999999\n")
    cluster.start()
    try:
        assert cluster.is_running()
    finally:
        cluster.stop()


def test_unreachable_data_directory_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root hands the cluster to the 'postgres' user")
    with pytest.raises(EmbeddedPostgresError, match="cannot enter /root"):
        EmbeddedPostgres(Path("/root/oa-private/pg")).start()


def test_missing_binaries_give_one_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EmbeddedPostgresError, match="apt-get install postgresql.*OPENAGENTS_DATABASE_URL"):
        find_pg_bin_dir()
