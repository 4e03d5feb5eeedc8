"""``openagents integrations …``: key rotation, a new key, and pruning old webhook bodies."""

from __future__ import annotations

import asyncio
import base64
import os

import asyncpg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from openagents_server.cli_settings import settings_or_exit
from openagents_server.domains.integrations import service, webhooks
from openagents_server.domains.integrations.kit import IntegrationKit

integrations_cli = typer.Typer(no_args_is_help=True, help="Integrations: encryption keys and webhook records")
console = Console(stderr=True)


def _run(work) -> object:  # type: ignore[no-untyped-def]
    from openagents_server.db.resolve import database_dsn

    settings = settings_or_exit()
    kit = IntegrationKit.from_settings(settings)

    async def go(dsn: str) -> object:
        conn = await asyncpg.connect(dsn)
        try:
            return await work(conn, kit, settings)
        finally:
            await conn.close()

    with database_dsn(settings) as dsn:
        return asyncio.run(go(dsn))


@integrations_cli.command("new-key")
def new_key() -> None:
    """Print a fresh 32-byte key (base64url) for OPENAGENTS_INTEGRATIONS_ENCRYPTION_KEYS."""
    typer.echo(base64.urlsafe_b64encode(os.urandom(32)).decode())


@integrations_cli.command("rotate-keys")
def rotate_keys(batch: int = typer.Option(100, min=1, max=10_000, help="rows per batch")) -> None:
    """Re-wrap every stored secret onto the active key. Keep the old keys in the keyring until this
    reports that none is left on them; then they may be removed."""

    async def work(conn: asyncpg.Connection, kit: IntegrationKit, settings: object) -> tuple[int, int]:
        total = await service.remaining_on_old_keys(conn, kit)
        with Progress(TextColumn("re-encrypting secrets"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
            task = bar.add_task("rotate", total=total)
            moved = await service.rotate_keys(conn, kit, batch, progress=lambda n: bar.advance(task, n))
        return moved, await service.remaining_on_old_keys(conn, kit)

    moved, left = _run(work)  # type: ignore[misc]
    console.print(f"{moved} secret(s) re-encrypted onto the active key; {left} left on old keys")
    if left:
        raise typer.Exit(1)


@integrations_cli.command("prune-webhooks")
def prune_webhooks() -> None:
    """Drop raw webhook bodies older than OPENAGENTS_INTEGRATIONS_WEBHOOK_RETENTION_DAYS."""

    async def work(conn: asyncpg.Connection, kit: IntegrationKit, settings: object) -> int:
        return await webhooks.prune(conn, kit.retention_days)

    console.print(f"{_run(work)} raw webhook bod(ies) pruned")
