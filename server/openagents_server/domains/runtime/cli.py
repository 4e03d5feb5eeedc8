"""``openagents runtime``: a run's receipt (and replay JSONL), and rebuilding the read models."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import asyncpg
import typer

from openagents_server.cli_settings import settings_or_exit

runtime_cli = typer.Typer(no_args_is_help=True, help="Runtime: receipts, replay, reprojection")


def _run(coro_factory: Any) -> Any:
    from openagents_server.db.resolve import database_dsn

    settings = settings_or_exit()
    with database_dsn(settings) as dsn:
        return asyncio.run(coro_factory(dsn))


async def receipt_of(dsn: str, run_id: str) -> dict[str, Any]:
    from openagents_server.domains.runtime import service

    conn = await asyncpg.connect(dsn)
    try:
        return await service.run_receipt(conn, None, run_id)
    finally:
        await conn.close()


@runtime_cli.command()
def receipt(
    run_id: str = typer.Argument(..., help="e.g. run_0123abcd…"),
    replay: str = typer.Option(None, "--replay", help="also write the replay JSONL here"),
) -> None:
    """Print the run's openagents.receipt.v1 (canonical JSON); exit 1 if the stored one differs from
    the one rebuilt from the log now."""
    from openagents_server.errors import NotFound

    try:
        found = _run(lambda dsn: receipt_of(dsn, run_id))
    except NotFound as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    rebuilt = found["rebuilt"]
    if replay is not None:
        Path(replay).write_bytes(rebuilt.replay)
    typer.echo(rebuilt.body.decode())
    if found["stored"] is not None and found["stored"] != rebuilt.body:
        typer.echo(f"stored receipt {found['stored_hash']} differs from the log's {rebuilt.receipt_hash}", err=True)
        raise typer.Exit(1)


async def reproject_all(dsn: str) -> dict[str, Any]:
    from openagents_server.domains.runtime import projector, service
    from openagents_server.domains.runtime import repository as repo

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        result = await projector.reproject(pool)
        mismatched = []
        run_ids = await repo.all_run_ids(pool)
        for run_id in run_ids:
            found = await service.run_receipt(pool, None, run_id)
            if found["stored"] is not None and found["stored"] != found["rebuilt"].body:
                mismatched.append(run_id)
        return {**result, "runs": len(run_ids), "receipts_mismatched": mismatched}
    finally:
        await pool.close()


@runtime_cli.command()
def reproject() -> None:
    """Rebuild threads and messages from the run logs; print the summary hash before and after and
    check every stored receipt against the log. Exit 1 on any difference or drift."""
    result = _run(reproject_all)
    typer.echo(json.dumps(result, indent=2, default=str))
    if result["before"] != result["after"] or result["receipts_mismatched"] or result["drift"]:
        raise typer.Exit(1)
