"""Start real granian servers for tests: a subprocess on a free port, stopped at the end."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from openagents_server.metrics.multiproc import MULTIPROC_ENV, fresh_metrics_dir
from openagents_server.serve import granian_command

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A granian process serving ``openagents_server.app:create_app_from_env``."""

    database_url: str
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    metrics_parent: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        env = {
            **os.environ,
            "OPENAGENTS_ENV": "test",
            "OPENAGENTS_DATABASE_URL": self.database_url,
            "OPENAGENTS_LOG_LEVEL": "warning",
            # the browser's pages come from this server, so Khala's Origin check must admit it
            "OPENAGENTS_PUBLIC_ORIGIN": self.url,
            **self.env,
        }
        # Every worker's metrics in one place, as `openagents serve` does (metrics/multiproc.py).
        if MULTIPROC_ENV not in self.env:
            self.metrics_parent = Path(tempfile.mkdtemp(prefix="oa-metrics-"))
            env[MULTIPROC_ENV] = fresh_metrics_dir(self.metrics_parent)
        known_nodes = _node_ids(self.database_url) if self.workers > 1 else set()
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"oa-granian-{self.port}.log"
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            granian_command("127.0.0.1", self.port, self.workers),  # exactly what `openagents serve` runs
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"granian exited early:\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200 and (
                        self.workers == 1 or len(_node_ids(self.database_url) - known_nodes) >= self.workers):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"granian did not become healthy:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, not a shutdown."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.metrics_parent is not None:
            shutil.rmtree(self.metrics_parent, ignore_errors=True)


def _node_ids(database_url: str) -> set[str]:
    """The Khala node ids that have published stats. Each worker publishes as its start-up ends, so a
    multi-worker server is ready when that many new ids appear: one worker answering /healthz is not
    enough (under load the second one took long enough to start that it missed all 200 of a test's
    connections). Run on a thread: the caller may be inside a running event loop."""
    found: set[str] = set()

    async def read() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            found.update(r["node_id"] for r in await conn.fetch("SELECT node_id FROM khala_node_stats"))
        except asyncpg.UndefinedTableError:
            pass  # a database the server has not migrated yet: no node so far
        finally:
            await conn.close()

    thread = threading.Thread(target=lambda: asyncio.run(read()))
    thread.start()
    thread.join()
    return found
