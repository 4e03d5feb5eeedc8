"""``openagents serve``: database up, migrations applied, then granian in front of the app.

granian runs as a child process so ``--workers N`` works; this process owns the embedded
PostgreSQL and stops it after granian exits, on Ctrl-C or SIGTERM alike.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from openagents_server.metrics.multiproc import MULTIPROC_ENV, fresh_metrics_dir
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
        # A worker whose shutdown hangs is killed by granian itself rather than holding the stop up
        # until serve's own deadline kills the whole group (STOP_GRACE_SECONDS).
        "--workers-kill-timeout", str(WORKERS_KILL_SECONDS),
        "--log-level", log_level,
        *(["--factory"] if factory else []),
        target,
    ]


#: Seconds a granian worker gets to stop in order (finish requests, close sockets, lifespan shutdown).
WORKERS_KILL_SECONDS = 10

#: Seconds granian gets to finish its requests after a forwarded signal before its process group is killed.
STOP_GRACE_SECONDS = 20.0


class Interrupted(Exception):
    """SIGINT/SIGTERM arrived before granian ran: unwind, stopping what was started."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: granian gets SIGTERM if this process dies without stopping it (e.g. SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class _Lifecycle:
    """Signal handling for ``serve``: whatever state a stop request finds, what was started stops.

    granian runs in its own session, so a signal sent to ``make serve``'s process group (Ctrl-C,
    ``kill -TERM -PGID``) reaches its workers only through granian's master, which stops them in
    order, instead of each worker dying on its own (``Unexpected exit from worker-1``, and a master
    that restarts it while shutting down). See docs/adr/0001.
    """

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.stop_signal: int | None = None
        self.stopping = False

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        self.stop_signal = self.stop_signal or signum
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)
            return
        if not self.stopping:
            self.stopping = True
            raise Interrupted(signum)

    def install(self) -> None:
        signal.signal(signal.SIGINT, self.handle)
        signal.signal(signal.SIGTERM, self.handle)

    def wait_child(self) -> int:
        child = self.child
        assert child is not None
        while True:
            if self.stop_signal is not None:
                try:
                    return child.wait(STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    console.print("[yellow]granian did not stop in time; killing it[/]")
                    self.kill_group()
                    return child.wait()
            try:
                return child.wait(0.5)
            except subprocess.TimeoutExpired:
                continue

    def kill_group(self) -> None:
        """SIGKILL what is left of granian's process group (workers outliving their master)."""
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child.pid, signal.SIGKILL)


def serve(settings: Settings) -> int:
    life = _Lifecycle()
    life.install()
    try:
        with console.status("starting PostgreSQL…" if settings.uses_embedded_database else "connecting…"):
            ctx = database_dsn(settings)
            dsn = ctx.__enter__()
    except Interrupted:
        return 130
    try:
        asyncio.run(migrate(dsn))
        env = {**os.environ, "OPENAGENTS_DATABASE_URL": dsn,
               "OPENAGENTS_PORT": str(settings.port), "OPENAGENTS_HOST": settings.host,
               "OPENAGENTS_WORKERS": str(settings.workers)}
        if settings.metrics_enabled:
            env[MULTIPROC_ENV] = fresh_metrics_dir(settings.data_path / "metrics")
        console.print(f"serving on [bold]http://{settings.host}:{settings.port}[/] "
                      f"({settings.workers} worker{'s' if settings.workers > 1 else ''})")
        demo = None
        try:
            life.child = subprocess.Popen(granian_command(settings.host, settings.port, settings.workers), env=env,
                                          # no other thread runs here (the status spinner has stopped)
                                          start_new_session=True, preexec_fn=_die_with_parent)  # noqa: PLW1509
            demo = demo_worker.start(settings, dsn)  # local environment only: a demo worker to chat with at once
            return life.wait_child()
        finally:
            life.stopping = True
            demo_worker.stop(demo)
            life.kill_group()
    except Interrupted:
        return 130
    finally:
        life.stopping = True
        with console.status("stopping PostgreSQL…"):
            ctx.__exit__(None, None, None)
