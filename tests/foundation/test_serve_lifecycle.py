"""``openagents serve`` stops what it started: the embedded cluster, granian and its workers.

Each test runs the real command (as ``make serve`` does) in its own process group on a private data
directory, then stops it the way a person would: Ctrl-C, ``kill -TERM`` to the group, or SIGKILL.
"""

from __future__ import annotations

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
from openagents_server.db.embedded import EmbeddedPostgres

from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Under the repo's var/: PostgreSQL runs as 'postgres' there, and pytest's tmp dirs are 0700."""
    path = REPO / "var" / "tmp" / f"serve-{secrets.token_hex(4)}"
    path.mkdir(parents=True)
    yield path
    cluster = EmbeddedPostgres(path / "pg")
    if cluster.is_initialized() and cluster.is_running():
        cluster.stop(mode="immediate")
    shutil.rmtree(path, ignore_errors=True)


class Serve:
    def __init__(self, data_dir: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.log = data_dir / f"serve-{self.port}.log"
        env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATA_DIR": str(data_dir),
               "OPENAGENTS_PORT": str(self.port), "OPENAGENTS_WORKERS": str(workers),
               "OPENAGENTS_LOG_LEVEL": "warning"}
        env.pop("OPENAGENTS_DATABASE_URL", None)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "openagents_server.cli", "serve"], env=env,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve did not become healthy:\n{self.log.read_text()}")

    def wait(self) -> int:
        return self.process.wait(60)

    def port_closed(self) -> bool:
        try:
            httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
        except httpx.HTTPError:
            return True
        return False


def _running(data_dir: Path) -> bool:
    cluster = EmbeddedPostgres(data_dir / "pg")
    return cluster.is_initialized() and cluster.is_running()


def test_a_cluster_left_by_a_killed_serve_is_adopted_and_stopped_by_the_next_ctrl_c(data_dir: Path) -> None:
    first = Serve(data_dir)
    first.process.send_signal(signal.SIGKILL)  # the serve process dies without cleaning up
    first.wait()
    assert _running(data_dir), "the killed serve left its cluster running (the case to recover from)"

    second = Serve(data_dir)  # adopts the running cluster
    os.killpg(second.process.pid, signal.SIGINT)  # Ctrl-C in the terminal reaches the whole group
    second.wait()
    assert not _running(data_dir), second.log.read_text()
    assert second.port_closed()


def test_sigterm_to_the_process_group_stops_workers_in_order_and_the_cluster(data_dir: Path) -> None:
    for _ in range(3):
        server = Serve(data_dir)
        os.killpg(server.process.pid, signal.SIGTERM)
        assert server.wait() == 0, server.log.read_text()
        log = server.log.read_text()
        assert "Unexpected exit" not in log, log
        assert not _running(data_dir), log
        assert server.port_closed()


def test_a_command_run_beside_a_live_server_leaves_its_cluster_running(data_dir: Path) -> None:
    server = Serve(data_dir)
    try:
        env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATA_DIR": str(data_dir)}
        env.pop("OPENAGENTS_DATABASE_URL", None)
        result = subprocess.run([sys.executable, "-m", "openagents_server.cli", "migrate"], env=env, cwd=REPO,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert _running(data_dir)
        assert httpx.get(f"http://127.0.0.1:{server.port}/readyz", timeout=5).status_code == 200
    finally:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.wait()
    assert not _running(data_dir)
