"""``openagents tools invoke``: call a tool through ``POST /api/runtime/tools/execute`` (CLI parity, issue 25).

The command is an API client: it needs the server's URL and a token (an access token or a personal
access token with the ``runtime:tools`` ability). It prints the policy decision, the outcome and the
receipt (rich on stderr, or one JSON document on stdout with ``--json``). Exit status: 0 when the
tool ran (``succeeded``) or was only decided (``dry_run``), 1 when it was denied, needs approval or
failed, 2 when the request itself was refused (the error envelope's code is printed).
"""

from __future__ import annotations

import json
import secrets
import sys
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

tools_cli = typer.Typer(no_args_is_help=True, help="Tools: invoke one through the runtime API")
console = Console(stderr=True)
#: Outcomes that count as success for the exit status.
OK_STATUSES = frozenset({"succeeded", "dry_run"})


def _arguments(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        console.print(f"[red]--args is not JSON:[/] {exc}")
        raise typer.Exit(2) from None
    if not isinstance(value, dict):
        console.print("[red]--args must be a JSON object[/] (the tool's arguments by name)")
        raise typer.Exit(2)
    return value


@tools_cli.command("invoke")
def invoke(
    tool: str = typer.Argument(..., help="tool name, e.g. noop, http.fetch, feed.post"),
    args: str = typer.Option("{}", "--args", help="the tool's arguments as a JSON object"),
    mode: str = typer.Option("live", "--mode", help="live (run it) or dry_run (decide only)"),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", envvar="OPENAGENTS_URL", help="the server"),
    token: str = typer.Option(..., "--token", envvar="OPENAGENTS_TOKEN",
                              help="access token or personal access token (ability runtime:tools)"),
    invocation_id: str = typer.Option("", "--id", help="your id for this call (the same id answers the first call)"),
    run_id: str = typer.Option("", "--run", help="the autopilot run this call belongs to (its policy applies)"),
    as_json: bool = typer.Option(False, "--json", help="print the whole answer as JSON on stdout"),
) -> None:
    """Invoke TOOL: the decision, the outcome and the receipt."""
    if mode not in ("live", "dry_run"):
        console.print("[red]--mode is live or dry_run[/]")
        raise typer.Exit(2)
    body: dict[str, Any] = {"invocation_id": invocation_id or f"cli_{secrets.token_hex(8)}", "tool": tool,
                            "arguments": _arguments(args), "mode": mode}
    if run_id:
        body["run_id"] = run_id
    try:
        with console.status(f"invoking {tool} ({mode}) on {url}"):
            answer = httpx.post(url.rstrip("/") + "/api/runtime/tools/execute", json=body, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        console.print(f"[red]request failed:[/] {exc}")
        raise typer.Exit(2) from None
    payload = _json(answer)
    if answer.status_code != 200:
        error = (payload or {}).get("error", {})
        console.print(f"[red]refused ({answer.status_code} {error.get('code', 'error')}):[/] "
                      f"{error.get('message', answer.text[:300])}")
        if as_json:
            sys.stdout.write(json.dumps(payload or {"status": answer.status_code}) + "\n")
        raise typer.Exit(2)
    data = payload["data"]
    if as_json:
        sys.stdout.write(json.dumps(data, sort_keys=True) + "\n")
    else:
        _show(data)
    raise typer.Exit(0 if data["status"] in OK_STATUSES else 1)


def _json(answer: httpx.Response) -> dict[str, Any] | None:
    try:
        value = answer.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _show(data: dict[str, Any]) -> None:
    decision = data["decision"]
    colour = {"allowed": "green", "denied": "red"}.get(decision["decision"], "yellow")
    table = Table(title=f"{data['tool']} · {data['invocation_id']}", show_header=False)
    table.add_row("decision", f"[{colour}]{decision['decision']}[/] ({decision['reason_code']})")
    table.add_row("why", decision["message"])
    table.add_row("status", data["status"] + (" (replayed: this id was used before)" if data["idempotent_replay"] else ""))
    if data.get("result") is not None:
        table.add_row("result", json.dumps(data["result"], sort_keys=True)[:2000])
    if data.get("error"):
        table.add_row("error", f"{data['error']['code']}: {data['error']['message']}")
    table.add_row("receipt_hash", data["receipt_hash"])
    console.print(table)
    console.print_json(json.dumps(data["receipt"], sort_keys=True))
