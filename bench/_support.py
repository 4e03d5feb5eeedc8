"""Shared benchmark plumbing: a private PostgreSQL, granian processes, and wrk."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import free_port


@contextmanager
def bench_database() -> Iterator[str]:
    """A migrated database in a private embedded cluster (``var/bench-pg``)."""
    import asyncio

    import asyncpg
    from openagents_server.db.embedded import EmbeddedPostgres
    from openagents_server.db.migrate import apply_migrations

    cluster = EmbeddedPostgres(REPO / "var" / "bench-pg", database="openagents_bench")
    cluster.start()

    async def migrate() -> None:
        conn = await asyncpg.connect(cluster.dsn())
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    asyncio.run(migrate())
    try:
        yield cluster.dsn()
    finally:
        cluster.stop()


@contextmanager
def granian(target: str, *, factory: bool = False, env: dict[str, str] | None = None,
            workers: int = 1) -> Iterator[str]:
    from openagents_server.serve import granian_command

    port = free_port()
    # Exactly the flags `openagents serve` runs with, for our app and for any baseline app alike.
    argv = granian_command("127.0.0.1", port, workers, "error", target=target, factory=factory)
    proc = subprocess.Popen(argv, cwd=REPO, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{target} did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(text)
    return float(match[1]) * _UNITS[match[2]]


def wrk(url: str, *, seconds: int = 10, connections: int = 32, threads: int = 1,
        headers: dict[str, str] | None = None) -> WrkResult:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        argv += ["-H", f"{key}: {value}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    # The "Latency Distribution" lines; anchored so "75.50%" in the thread stats cannot match.
    p50 = _ms(re.search(r"^[ \t]+50%[ \t]+(\S+)", out, re.MULTILINE)[1])
    p99 = _ms(re.search(r"^[ \t]+99%[ \t]+(\S+)", out, re.MULTILINE)[1])
    errors = 0
    for match in re.finditer(r"(Non-2xx or 3xx responses|Socket errors):\s*(.*)", out):
        errors += sum(int(n) for n in re.findall(r"\d+", match[2]))
    return WrkResult(rps, p50, p99, errors)
