"""The ``openagents`` command line (typer + rich)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys

import typer
from openagents_build.cli import build as build_command
from rich.console import Console
from rich.table import Table

from openagents_server.cli_settings import settings_or_exit
from openagents_server.contracts_cli import contracts_cli
from openagents_server.domains.autopilots.cli import autopilots_cli
from openagents_server.domains.identity.cli import identity_cli
from openagents_server.domains.integrations.cli import integrations_cli
from openagents_server.domains.l402.cli import l402_cli
from openagents_server.domains.ops.cli import ops_cli
from openagents_server.domains.ops.cli import smoke as smoke_command
from openagents_server.domains.runtime.chat_cli import chat_cli
from openagents_server.domains.runtime.cli import runtime_cli
from openagents_server.domains.runtime.worker.cli import worker_cli
from openagents_server.domains.tools.cli import tools_cli
from openagents_server.khala.cli import khala_cli
from openagents_server.web.cli import web_cli

app = typer.Typer(no_args_is_help=True, add_completion=False, help="OpenAgents platform")
db_app = typer.Typer(no_args_is_help=True, help="Database tools")
app.add_typer(db_app, name="db")
app.add_typer(contracts_cli, name="proto")
app.add_typer(khala_cli, name="khala")
app.add_typer(identity_cli, name="auth")
app.add_typer(web_cli, name="bundle")
app.add_typer(runtime_cli, name="runtime")
app.add_typer(worker_cli, name="worker")
app.add_typer(integrations_cli, name="integrations")
app.add_typer(autopilots_cli, name="autopilots")
app.add_typer(ops_cli, name="ops")
# CLI parity (issue 25): invoke a tool, import chat history, the L402 demo.
app.add_typer(tools_cli, name="tools")
app.add_typer(chat_cli, name="chat")
app.add_typer(l402_cli, name="l402")
app.command("smoke")(smoke_command)
app.command("build")(build_command)
console = Console(stderr=True)


@app.command()
def serve(
    workers: int = typer.Option(None, "--workers", "-w", help="granian worker processes"),
    port: int = typer.Option(None, "--port", "-p"),
    host: str = typer.Option(None, "--host"),
) -> None:
    """Start PostgreSQL (embedded unless OPENAGENTS_DATABASE_URL), migrate, serve with granian."""
    from openagents_server.db.embedded import EmbeddedPostgresError
    from openagents_server.serve import serve as run_server

    settings = settings_or_exit(workers=workers, port=port, host=host)
    try:
        code = run_server(settings)
    except EmbeddedPostgresError as exc:
        console.print(f"[red]PostgreSQL:[/] {exc}")
        raise typer.Exit(1) from None
    raise typer.Exit(0 if code in (0, -2, 130) else code)


@app.command()
def migrate() -> None:
    """Apply pending migrations to the configured database."""
    from openagents_server.db.migrate import MigrationError
    from openagents_server.db.resolve import database_dsn
    from openagents_server.serve import migrate as run_migrations

    settings = settings_or_exit()
    try:
        with database_dsn(settings) as dsn:
            applied = asyncio.run(run_migrations(dsn))
    except MigrationError as exc:
        console.print(f"[red]migration refused:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(f"{len(applied)} migration(s) applied; database is current")


@app.command()
def config(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings, secrets masked."""
    settings = settings_or_exit()
    values = settings.masked()
    if as_json:
        sys.stdout.write(json.dumps(values, indent=2) + "\n")
        return
    table = Table("setting", "environment variable", "value")
    for name, value in values.items():
        table.add_row(name, f"OPENAGENTS_{name.upper()}", str(value))
    Console().print(table)


@db_app.command("shell")
def db_shell() -> None:
    """Open psql against the configured database (starts the embedded cluster if needed)."""
    from openagents_server.db.resolve import database_dsn

    psql = shutil.which("psql")
    if psql is None:
        console.print("[red]psql not found[/]: install postgresql-client")
        raise typer.Exit(1)
    settings = settings_or_exit()
    with database_dsn(settings, keep_running=True) as dsn:
        os.execv(psql, [psql, dsn])


if __name__ == "__main__":  # pragma: no cover
    app()
