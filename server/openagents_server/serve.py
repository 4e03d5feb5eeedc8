"""``openagents serve``: database up, migrations applied, then granian in front of the app.

granian runs as a child process so ``--workers N`` works; this process owns the embedded
PostgreSQL and stops it after granian exits, on Ctrl-C or SIGTERM alike.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from types import FrameType

import asyncpg
from rich.console import Console

from openagents_server.db.migrate import apply_migrations
from openagents_server.db.resolve import database_dsn
from openagents_server.domains.runtime import demo as demo_worker
from openagents_server.settings import Settings

console = Console(stderr=True)


async def migrate(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        with console.status("applying migrations…"):
            applied = await apply_migrations(
                conn, on_step=lambda m: console.print(f"  applied [bold]{m.version:04d}_{m.name}[/]")
            )
        return [f"{m.version:04d}_{m.name}" for m in applied]
    finally:
        await conn.close()


#: Sockets and requests one worker holds at once. granian's default (backlog / workers) would cap a
#: worker at a few hundred Khala sockets and stall the rest; each socket costs a few KiB here.
BACKPRESSURE = 8192
BACKLOG = 4096


def granian_command(host: str, port: int, workers: int, log_level: str = "warning", *,
                    target: str = "openagents_server.app:create_app_from_env", factory: bool = True) -> list[str]:
    """The one granian command line: ``serve``, the tests' live servers and the benchmarks use it.

    ``--runtime-mode st``: one single-threaded I/O runtime per worker. On the Khala fan-out bench
    (2 cores, 1 000 sockets) it cut p99 from ~124 ms to ~101 ms against the default (adr/0003).
    """
    return [
        sys.executable, "-m", "granian",
        "--interface", "asgi",
        "--loop", "uvloop",
        "--runtime-mode", "st",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--backlog", str(BACKLOG),
        "--backpressure", str(BACKPRESSURE),
        "--ws",
        "--no-access-log",
        "--log-level", log_level,
        *(["--factory"] if factory else []),
        target,
    ]


def serve(settings: Settings) -> int:
    with console.status("starting PostgreSQL…" if settings.uses_embedded_database else "connecting…"):
        ctx = database_dsn(settings)
        dsn = ctx.__enter__()
    try:
        asyncio.run(migrate(dsn))
        env = {**os.environ, "OPENAGENTS_DATABASE_URL": dsn,
               "OPENAGENTS_PORT": str(settings.port), "OPENAGENTS_HOST": settings.host,
               "OPENAGENTS_WORKERS": str(settings.workers)}
        console.print(f"serving on [bold]http://{settings.host}:{settings.port}[/] "
                      f"({settings.workers} worker{'s' if settings.workers > 1 else ''})")
        child = subprocess.Popen(granian_command(settings.host, settings.port, settings.workers), env=env)
        demo = demo_worker.start(settings, dsn)  # local environment only: a demo worker to chat with at once

        def forward(signum: int, _frame: FrameType | None) -> None:
            if child.poll() is None:
                child.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        try:
            while True:
                try:
                    return child.wait()
                except KeyboardInterrupt:  # pragma: no cover - signal handler forwards instead
                    continue
        finally:
            demo_worker.stop(demo)
    finally:
        with console.status("stopping PostgreSQL…"):
            ctx.__exit__(None, None, None)
