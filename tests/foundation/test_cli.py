"""The `openagents` command as an operator uses it: real processes, real PostgreSQL."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "openagents_server.cli"]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAGENTS_")}
    return subprocess.run([*CLI, *args], env={**clean, **env}, capture_output=True, text=True, timeout=120, cwd=REPO, check=False)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = REPO / "var" / "tmp" / ("cli-" + secrets.token_hex(4))
    path.mkdir(parents=True)
    yield path
    subprocess.run(["pkill", "-f", f"postgres -D {path}"], check=False)
    shutil.rmtree(path, ignore_errors=True)


def test_config_prints_effective_settings_with_secrets_masked() -> None:
    result = _run(["config", "--json"], {"OPENAGENTS_PORT": "9123", "OPENAGENTS_WORKOS_API_KEY": "sk_live_x"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["port"] == 9123
    assert values["workos_api_key"] == "********"


def test_invalid_configuration_exits_with_a_readable_message() -> None:
    result = _run(["config"], {"OPENAGENTS_PORT": "nope"})
    assert result.returncode == 2
    assert "OPENAGENTS_PORT" in result.stderr and "Traceback" not in result.stderr


def test_migrate_against_an_external_database(make_database) -> None:
    dsn = make_database(migrated=False)
    first = _run(["migrate"], {"OPENAGENTS_DATABASE_URL": dsn})
    assert first.returncode == 0, first.stderr
    assert "applied" in first.stderr
    second = _run(["migrate"], {"OPENAGENTS_DATABASE_URL": dsn})
    assert "0 migration(s) applied" in second.stderr


def _postgres_running(data_dir: Path) -> bool:
    return subprocess.run(["pgrep", "-f", f"postgres -D {data_dir}"], capture_output=True, check=False).returncode == 0


def _serve(data_dir: Path, port: int) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAGENTS_")}
    env = {**clean, "OPENAGENTS_DATA_DIR": str(data_dir), "OPENAGENTS_PORT": str(port), "OPENAGENTS_LOG_LEVEL": "warning"}
    return subprocess.Popen([*CLI, "serve"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_healthy(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become ready")


def test_serve_on_embedded_postgres_stops_cleanly_and_reuses_data(data_dir: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(data_dir, port)
    try:
        _wait_healthy(url, proc)
        assert _postgres_running(data_dir / "pg" / "data")
        subprocess.run(
            ["psql", "-h", str(data_dir / "pg" / "run"), "-U", "postgres", "-d", "openagents", "-c",
             "CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('still here')"],
            check=True, capture_output=True,
        )
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        proc.wait(60)
    assert not _postgres_running(data_dir / "pg" / "data"), "Ctrl-C left an orphaned postgres"

    proc = _serve(data_dir, port)
    try:
        _wait_healthy(url, proc)
        out = subprocess.run(
            ["psql", "-h", str(data_dir / "pg" / "run"), "-U", "postgres", "-d", "openagents", "-tAc",
             "SELECT v FROM survivor"], check=True, capture_output=True, text=True,
        )
        assert out.stdout.strip() == "still here"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert not _postgres_running(data_dir / "pg" / "data")
