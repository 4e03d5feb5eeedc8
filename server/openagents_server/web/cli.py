"""``openagents bundle list|activate|canary|rollback|killswitch`` (typer sub-app)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from openagents_server.db.pool import create_pool
from openagents_server.db.resolve import database_dsn
from openagents_server.settings import Settings, SettingsError, load_settings
from openagents_server.web.bundles import BundleStore
from openagents_server.web.service import RolloutError, RolloutService

web_cli = typer.Typer(no_args_is_help=True, help="Shell bundles: list, activate, canary, rollback, kill switch")
console = Console(stderr=True)
T = TypeVar("T")


def _run(op: Callable[[RolloutService], Awaitable[T]]) -> T:
    try:
        settings: Settings = load_settings()
    except SettingsError as exc:
        console.print(f"[red]invalid configuration:[/] {exc}")
        raise typer.Exit(2) from None

    async def main(dsn: str) -> T:
        pool: asyncpg.Pool = await create_pool(dsn, load_settings(db_pool_min=1, db_pool_max=1, database_url=dsn))
        try:
            async with pool.acquire() as conn:
                return await op(RolloutService(conn, BundleStore(Path(settings.bundles_dir))))
        finally:
            await pool.close()

    try:
        with database_dsn(settings) as dsn:
            return asyncio.run(main(dsn))
    except RolloutError as exc:
        console.print(f"[red]refused:[/] {exc}")
        raise typer.Exit(1) from None


@web_cli.command("list")
def list_bundles() -> None:
    """Bundles on this node's disk and in the database, with the rollout."""
    async def op(svc: RolloutService):  # type: ignore[no-untyped-def]
        return await svc.state(), await svc.rows()

    rollout, rows = _run(op)
    table = Table("build id", "state", "on disk", "size (raw / br)")
    for row in rows:
        state = []
        if row.active:
            state.append("[green]active[/]" + ("" if rollout.active_build_id else " (newest, implicit)"))
        if row.canary:
            state.append(f"[yellow]canary {rollout.canary_percent}%[/]")
        size = f"{row.size_bytes / 1e6:.1f} MB / {row.br_bytes / 1e6:.1f} MB" if row.on_disk else "–"
        on_disk = "yes" if row.on_disk else f"[red]damaged: {escape(row.problem)}[/]" if row.problem else "[red]no[/]"
        table.add_row(row.build_id, ", ".join(state), on_disk, size)
    Console().print(table)
    Console().print(f"service-worker kill switch: {'[red]ON[/]' if rollout.killswitch else 'off'}")


@web_cli.command()
def activate(build_id: str = typer.Argument(..., help="build id (or a unique prefix)")) -> None:
    """Serve BUILD_ID to every client on every node (within about a second)."""
    rollout, previous = _run(lambda svc: svc.activate(build_id))
    if previous == rollout.active_build_id:
        console.print(f"{rollout.active_build_id} is already active")
    else:
        console.print(f"[green]active:[/] {rollout.active_build_id} (was {previous or 'implicit newest'})")


@web_cli.command()
def rollback() -> None:
    """Return to the bundle that was active before the current one."""
    moved = _run(lambda svc: svc.rollback())
    console.print(f"[green]rolled back:[/] {moved[0]} → {moved[1]}")


@web_cli.command()
def canary(
    build_id: str = typer.Argument(None, help="build id (or prefix) to canary"),
    percent: int = typer.Option(10, "--percent", "-p", help="share of devices (1–100)"),
    clear: bool = typer.Option(False, "--clear", help="end the canary"),
) -> None:
    """Serve BUILD_ID to a stable PERCENT of devices (by their cohort cookie)."""
    if clear:
        _run(lambda svc: svc.clear_canary())
        console.print("canary cleared")
        return
    if not build_id:
        console.print("[red]give a build id, or --clear[/]")
        raise typer.Exit(2)
    rollout = _run(lambda svc: svc.canary(build_id, percent))
    console.print(f"[yellow]canary:[/] {rollout.canary_build_id} for {rollout.canary_percent}% of devices")


@web_cli.command()
def killswitch(state: str = typer.Argument(..., help="on | off")) -> None:
    """Serve a service worker that unregisters itself and clears every cache (on), or stop (off)."""
    if state not in ("on", "off"):
        console.print("[red]state must be on or off[/]")
        raise typer.Exit(2)
    rollout = _run(lambda svc: svc.killswitch(state == "on"))
    console.print(f"service-worker kill switch: {'ON' if rollout.killswitch else 'off'}")
