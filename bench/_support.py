"""Shared benchmark plumbing: a private PostgreSQL, granian processes, wrk, and for the browser
benchmarks (boot.py, render_frames.py) Debian's Chromium flags and the shell served from a fresh bundle."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.servers import LiveServer, free_port

CHROMIUM = "/usr/bin/chromium"


def chromium_args(*also_reachable: str) -> list[str]:
    """browser-recipes.md: what works headless as root here; nothing but loopback (and ``also_reachable``,
    other loopback IPs standing for other sites) resolves."""
    exclude = "".join(f", EXCLUDE {host}" for host in ("127.0.0.1", *also_reachable))
    return ["--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", f"--host-resolver-rules=MAP * ~NOTFOUND {exclude}"]


def pct(xs: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``xs``; NaN when empty."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] if xs else float("nan")


@contextmanager
def shell_server(work: Path, database: str) -> Iterator[tuple[LiveServer, Any]]:
    """The real shell: a bundle freshly built into ``work/bundles``, a fresh migrated ``database`` in the
    bench cluster (``var/bench-pg``, fsync off), served by granian. Yields (server, build result)."""
    import asyncio

    import asyncpg
    from openagents_build import BuildOptions, build_bundle
    from openagents_server.db.embedded import EmbeddedPostgres
    from openagents_server.db.migrate import apply_migrations

    bundles = work / "bundles"
    shutil.rmtree(bundles, ignore_errors=True)
    result = build_bundle(BuildOptions(repo=REPO, bundles_dir=bundles))
    cluster = EmbeddedPostgres(REPO / "var" / "bench-pg", database="postgres",
                               server_settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    server = None

    async def fresh_db() -> str:
        admin = await asyncpg.connect(cluster.dsn("postgres"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
        await admin.close()
        conn = await asyncpg.connect(cluster.dsn(database))
        await apply_migrations(conn)
        await conn.close()
        return cluster.dsn(database)

    try:
        server = LiveServer(asyncio.run(fresh_db()), env={"OPENAGENTS_BUNDLES_DIR": str(bundles)}).start()
        yield server, result
    finally:
        if server:
            server.stop()
        cluster.stop(mode="immediate")


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


#: The granian process behind each URL that :func:`granian` started (for :func:`server_cpu_seconds`).
_SERVERS: dict[str, subprocess.Popen[bytes]] = {}


def server_cpu_seconds(url: str) -> float:
    """CPU seconds used so far by the granian process behind ``url`` and all its workers.

    Why: on a loaded 2-core machine req/s moves with whatever else runs, while the server's own CPU
    per request barely does; benchmarks print both (see bench/auth_tokens.py).
    """
    root = _SERVERS[url].pid
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


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
        _SERVERS[url] = proc
        yield url
    finally:
        _SERVERS.pop(url, None)
        proc.terminate()
        proc.wait(10)


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    #: Requests wrk completed (for CPU per request).
    requests: int = 0


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
    requests = int(re.search(r"(\d+) requests in", out)[1])
    # The "Latency Distribution" lines; anchored so "75.50%" in the thread stats cannot match.
    p50 = _ms(re.search(r"^[ \t]+50%[ \t]+(\S+)", out, re.MULTILINE)[1])
    p99 = _ms(re.search(r"^[ \t]+99%[ \t]+(\S+)", out, re.MULTILINE)[1])
    errors = 0
    for match in re.finditer(r"(Non-2xx or 3xx responses|Socket errors):\s*(.*)", out):
        errors += sum(int(n) for n in re.findall(r"\d+", match[2]))
    return WrkResult(rps, p50, p99, errors, requests)


def sign_in(url: str, dsn: str, email: str = "bench@example.com", device_id: str = "bench:1") -> str:
    """A real sign-in through the local provider (email → code read from the database → verify); returns
    the session's access token. Every benchmark that needs a signed-in caller uses this one."""
    import asyncio

    import asyncpg

    with httpx.Client(base_url=url) as http:
        challenge = http.post("/api/auth/email", json={"email": email}).json()["data"]["challenge_id"]

        async def code() -> str:
            conn = await asyncpg.connect(dsn)
            try:
                return await conn.fetchval("SELECT local_code FROM auth_challenges WHERE id = $1", challenge)
            finally:
                await conn.close()

        verified = http.post("/api/auth/verify", json={"email": email, "code": asyncio.run(code()),
                                                       "challenge_id": challenge, "device_id": device_id})
        verified.raise_for_status()
        token = verified.json()["data"]["session"]["access_token"]
        assert http.get("/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 200
        return token
