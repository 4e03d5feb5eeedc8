"""``openagents auth …``: local sign-in helpers (codes and test links), local/test environments only."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
import typer
from rich.console import Console

from openagents_server.cli_settings import settings_or_exit
from openagents_server.domains.identity import dev_login as test_login
from openagents_server.domains.identity.repositories import challenges

identity_cli = typer.Typer(no_args_is_help=True, help="Sign-in helpers for local development and tests")
console = Console(stderr=True)


def _local_settings():
    settings = settings_or_exit()
    if settings.env not in test_login.ENVIRONMENTS:
        console.print(f"[red]refused:[/] only when OPENAGENTS_ENV is local or test (it is {settings.env})")
        raise typer.Exit(2)
    return settings


@identity_cli.command("code")
def code(email: str) -> None:
    """Print the pending sign-in code the local provider sent to EMAIL."""
    from openagents_server.db.resolve import database_dsn

    settings = _local_settings()

    async def latest(dsn: str) -> challenges.LocalCode | None:
        conn = await asyncpg.connect(dsn)
        try:
            return await challenges.latest_local_code(conn, email.strip().lower())
        finally:
            await conn.close()

    with database_dsn(settings) as dsn:
        row = asyncio.run(latest(dsn))
    if row is None:
        console.print(f"no pending code for {email}: request one first (POST /api/auth/email)")
        raise typer.Exit(1)
    sys.stdout.write(row.local_code + "\n")


@identity_cli.command("test-login-url")
def test_login_url(
    email: str,
    name: str = typer.Option("", help="display name for a new user"),
    redirect: str = typer.Option("/", help="path to land on after sign-in"),
    ttl: int = typer.Option(test_login.DEFAULT_TTL_SECONDS, help="seconds the link stays valid"),
) -> None:
    """Print a signed, expiring link that signs EMAIL in (GET /internal/test-login)."""
    settings = _local_settings()
    query = test_login.signed_query(settings.test_login_secret, email, name=name, redirect=redirect,
                                    ttl_seconds=ttl)
    sys.stdout.write(f"{settings.public_origin.rstrip('/')}/internal/test-login?{query}\n")
