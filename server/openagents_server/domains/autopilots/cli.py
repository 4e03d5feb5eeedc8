"""``openagents autopilots replay RUN_ID``: replay a run's tool calls and check their receipts."""

from __future__ import annotations

import asyncio
import json

import typer

from openagents_server.cli_settings import settings_or_exit

autopilots_cli = typer.Typer(no_args_is_help=True, help="Autopilots: replaying a run's tool calls")


@autopilots_cli.command()
def replay(run_id: str = typer.Argument(..., help="e.g. aprun_0123abcd…")) -> None:
    """Replay every tool call of the run in ``replay`` mode (nothing acts); print one line per call
    and exit 1 unless every receipt is byte-identical to the recorded one."""
    from openagents_server.db.pool import create_pool
    from openagents_server.db.resolve import database_dsn
    from openagents_server.domains.autopilots.executor import replay_run
    from openagents_server.errors import NotFound

    settings = settings_or_exit()

    async def go(dsn: str) -> list[dict]:
        pool = await create_pool(dsn, settings)
        try:
            return await replay_run(pool, run_id)
        finally:
            await pool.close()

    with database_dsn(settings) as dsn:
        try:
            calls = asyncio.run(go(dsn))
        except NotFound as exc:
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
    for call in calls:
        typer.echo(json.dumps(call, sort_keys=True))
    if not all(c["identical"] for c in calls):
        raise typer.Exit(1)
