"""``openagents ops …`` (routing controls, status, audit) and ``openagents smoke URL``.

``ops`` commands act on the configured database with the same service as the admin console, so a
change made here is audited the same way (``by`` names the operator's login at this machine) and
reaches every node within ~1 s. ``smoke`` runs the smoke stream of a deployed server from outside.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import asyncpg
import httpx
import typer
from rich.console import Console
from rich.table import Table

from openagents_server.cli_settings import settings_or_exit
from openagents_server.domains.ops import service
from openagents_server.errors import DomainError
from openagents_server.observability import configure_logging

ops_cli = typer.Typer(no_args_is_help=True, help="Operations: routing controls, system status, audit trail")
console = Console(stderr=True)
T = TypeVar("T")


def _actor() -> service.Actor:
    return service.Actor(f"cli:{getpass.getuser()}@{socket.gethostname()}")


def _run(op: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    from openagents_server.db.pool import create_pool
    from openagents_server.db.resolve import database_dsn
    from openagents_server.settings import load_settings

    settings = settings_or_exit()
    configure_logging("warning", "console")  # logs on stderr: stdout carries --json for scripts

    async def main(dsn: str) -> T:
        pool = await create_pool(dsn, load_settings(db_pool_min=1, db_pool_max=2, database_url=dsn))
        try:
            return await op(pool)
        finally:
            await pool.close()

    try:
        with database_dsn(settings) as dsn:
            return asyncio.run(main(dsn))
    except DomainError as exc:
        console.print(f"[red]refused ({exc.code}):[/] {exc.message}")
        raise typer.Exit(1) from None


def _print(value: Any, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


@ops_cli.command("maintenance")
def maintenance(state: str = typer.Argument(..., help="on or off"),
                reason: str = typer.Option(..., "--reason", "-r", help="why (audited)"),
                message: str = typer.Option("", "--message", "-m", help="what every API answer says"),
                retry_after: int = typer.Option(300, "--retry-after", min=1, max=86400),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Maintenance mode: every API path answers 503 with the message (the console stays reachable)."""
    if state not in ("on", "off"):
        console.print("[red]state is on or off[/]")
        raise typer.Exit(2)
    result = _run(lambda pool: service.set_maintenance(pool, _actor(), on=state == "on", message=message,
                                                       reason=reason, retry_after=retry_after))
    _print({"control": result}, as_json)
    console.print(f"maintenance [bold]{state}[/] (every node within ~1 s)")


@ops_cli.command("route")
def route(state: str = typer.Argument(..., help="disable or enable"),
          prefix: str = typer.Argument(..., help="API path prefix, e.g. /api/chat"),
          reason: str = typer.Option(..., "--reason", "-r", help="why (audited)"),
          message: str = typer.Option("", "--message", "-m"),
          retry_after: int = typer.Option(60, "--retry-after", min=1, max=86400),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Disable an API route prefix (503 with Retry-After) or enable it again."""
    if state not in ("disable", "enable"):
        console.print("[red]state is disable or enable[/]")
        raise typer.Exit(2)
    result = _run(lambda pool: service.set_route(pool, _actor(), route=prefix, disabled=state == "disable",
                                                 message=message, reason=reason, retry_after=retry_after))
    _print({"control": result}, as_json)
    console.print(f"{prefix} [bold]{state}d[/]")


@ops_cli.command("driver")
def driver(cohort: str = typer.Argument(..., help="all, user:<id>, org:<id> or percent:<1-100>"),
           name: str = typer.Argument(..., help=f"driver ({', '.join(service.DRIVERS)}) or 'clear'"),
           reason: str = typer.Option(..., "--reason", "-r", help="why (audited)"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Runtime driver override: new workers of the cohort get this driver."""
    result = _run(lambda pool: service.set_driver(pool, _actor(), cohort=cohort,
                                                  driver=None if name == "clear" else name, reason=reason))
    _print({"control": result}, as_json)
    console.print(f"driver for {cohort}: [bold]{name}[/]")


@ops_cli.command("revoke-sessions")
def revoke_sessions(user_id: str = typer.Argument(..., help="the user whose sessions end"),
                    reason: str = typer.Option(..., "--reason", "-r", help="why (audited)"),
                    as_json: bool = typer.Option(False, "--json")) -> None:
    """Sign a user out everywhere: every session revoked, every socket closed (reauth required)."""
    ids = _run(lambda pool: service.revoke_user_sessions(pool, _actor(), user_id, reason))
    _print({"revoked": ids}, as_json)
    console.print(f"{len(ids)} session(s) of {user_id} revoked")


@ops_cli.command("create-token")
def create_token(email: str = typer.Argument(..., help="the account's email"),
                 name: str = typer.Option(..., "--name", "-n", help="what the token is for"),
                 ability: Annotated[list[str] | None, typer.Option("--ability", "-a",
                                                                   help="repeat for several (default: * = all)")] = None,
                 expires_days: int = typer.Option(None, "--expires-days", min=1, max=3650),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Create a personal access token for an account; its value is printed once."""
    abilities = ability or ["*"]
    created = _run(lambda pool: service.create_token(pool, _actor(), email=email, name=name, abilities=abilities,
                                                     expires_days=expires_days))
    if as_json:
        _print(created, True)
        return
    console.print(f"token [bold]{created['id']}[/] for {email} ({', '.join(created['abilities'])}); shown once:")
    sys.stdout.write(created["token"] + "\n")


@ops_cli.command("controls")
def controls(as_json: bool = typer.Option(False, "--json")) -> None:
    """Routing controls in force."""
    rows = _run(service.list_controls)
    if as_json:
        _print({"controls": rows}, True)
        return
    table = Table("kind", "target", "value", "retry after", "by", "why", "since")
    for row in rows:
        table.add_row(row["kind"], row["target"] or "—", row["value"], str(row["retry_after"]), row["updated_by"],
                      row["reason"], row["updated_at"])
    Console().print(table if rows else "no routing control in force")


@ops_cli.command("status")
def status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Nodes, connections, bundle per cohort, queue depths, controls (what the console shows)."""
    async def op(pool: asyncpg.Pool) -> dict[str, Any]:
        async with pool.acquire() as conn:
            return await service.status(conn)

    value = _run(op)
    if as_json:
        _print(value, True)
        return
    out = Console()
    out.print(f"nodes: {len(value['nodes'])}   connections: {value['connections']}   "
              f"subscriptions: {value['subscriptions']}")
    for bundle in value["bundles"]:
        out.print(f"bundle {bundle['cohort']}: {bundle['build_id']} ({bundle['percent']} %)")
    out.print(f"queues: {value['queues']}")
    out.print(f"maintenance: {value['maintenance'] or 'off'}   disabled routes: {value['disabled_routes'] or '—'}")


@ops_cli.command("audit")
def audit_events(event: str = typer.Option(None, "--event", "-e", help="event name prefix, e.g. auth."),
                 user_id: str = typer.Option(None, "--user"),
                 outcome: str = typer.Option(None, "--outcome"),
                 limit: int = typer.Option(50, "--limit", min=1, max=1000),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Recent audit events, newest first."""
    async def op(pool: asyncpg.Pool) -> list[dict[str, Any]]:
        return await service.audit_trail(pool, event=event, user_id=user_id, outcome=outcome, limit=limit)

    rows = _run(op)
    if as_json:
        _print({"events": rows}, True)
        return
    table = Table("id", "when", "event", "outcome", "user", "attributes")
    for row in rows:
        table.add_row(str(row["id"]), row["occurred_at"], row["event"], row["outcome"], row["user_id"] or "—",
                      json.dumps(row["attributes"])[:80])
    Console().print(table)


def smoke(url: str = typer.Argument(..., help="the deployment's base URL, e.g. http://127.0.0.1:8000"),
          token: str = typer.Option(None, "--token", envvar="OPENAGENTS_METRICS_TOKEN",
                                    help="operator token (OPENAGENTS_METRICS_TOKEN) when not on loopback"),
          timeout: float = typer.Option(30.0, "--timeout"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Verify a deploy in one call: readiness, then the smoke stream (database, Khala round trip).

    Exits 0 when every step passed, 1 otherwise, naming the step that failed."""
    base = url.rstrip("/")
    headers = {"authorization": f"Bearer {token}"} if token else {}
    report: dict[str, Any] = {"url": base, "ok": False, "steps": []}
    failure = None
    try:
        with httpx.Client(timeout=timeout, headers=headers) as http:
            ready = http.get(base + "/readyz")
            report["steps"].append({"name": "readyz", "ok": ready.status_code == 200,
                                    "detail": "" if ready.status_code == 200 else _reason(ready)})
            answer = http.get(base + "/api/smoke/stream")
    except httpx.HTTPError as exc:
        failure = f"{base} is unreachable: {type(exc).__name__}: {exc}"
    else:
        body = _json(answer)
        data = body.get("data") or body.get("error") or {}
        report["steps"] += data.get("steps") or []
        report["event_kinds"] = data.get("event_kinds")
        report["kinds_seen"] = data.get("kinds_seen")
        report["maintenance"] = data.get("maintenance")
        if answer.status_code != 200:
            failure = f"smoke stream answered {answer.status_code}: {_reason(answer)}"
        elif not all(step["ok"] for step in report["steps"]):
            failed = next(step for step in report["steps"] if not step["ok"])
            failure = f"{failed['name']} failed: {failed.get('detail')}"
    report["ok"] = failure is None
    report["failure"] = failure
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        table = Table("step", "result", "ms", "detail")
        for step in report["steps"]:
            table.add_row(step["name"], "[green]ok[/]" if step["ok"] else "[red]FAILED[/]",
                          str(step.get("ms", "")), step.get("detail") or "")
        console.print(table)
        if report.get("maintenance"):
            console.print(f"[yellow]maintenance mode is on:[/] {report['maintenance']}")
        console.print("[green]smoke passed[/]" if failure is None else f"[red]smoke failed:[/] {failure}")
    raise typer.Exit(0 if failure is None else 1)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _reason(response: httpx.Response) -> str:
    body = _json(response)
    error = body.get("error") or {}
    parts = [error.get("message") or body.get("message") or response.reason_phrase]
    if error.get("reasons"):
        parts.append("; ".join(error["reasons"]))
    return " — ".join(str(p) for p in parts if p)
