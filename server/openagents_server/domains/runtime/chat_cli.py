"""``openagents chat import FILE --email EMAIL``: chat history from JSONL into the runtime (chat_import.py).

Acts on the configured database (like ``openagents ops``). Every line is checked first; with any bad
line nothing is written and each bad line is listed with its number (exit 1). Otherwise the turns
are appended in one transaction with a progress bar; a re-run skips what was imported (exit 0).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import asyncpg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openagents_server.cli_settings import settings_or_exit
from openagents_server.domains.runtime import chat_import
from openagents_server.domains.runtime import repository as repo

chat_cli = typer.Typer(no_args_is_help=True, help="Chat history: import a JSONL file into the runtime's threads")
console = Console(stderr=True)


@chat_cli.command("import")
def import_chat(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSONL, one message a line")],
    email: str = typer.Option(..., "--email", help="the account that owns the imported threads"),
    as_json: bool = typer.Option(False, "--json", help="print the outcome as JSON on stdout"),
) -> None:
    """Import FILE's threads for EMAIL (line format: chat_import.py; docs/ops/cli.md)."""
    from openagents_server.db.resolve import database_dsn

    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        console.print(f"[red]{file} is not UTF-8:[/] {exc}")
        raise typer.Exit(1) from None
    parsed = chat_import.parse(lines)
    if parsed.errors:
        console.print(f"[red]{len(parsed.errors)} bad line(s) in {file}; nothing imported:[/]", soft_wrap=True)
        for number, reason in parsed.errors:
            console.print(f"  line {number}: {reason}", soft_wrap=True, markup=False)
        if as_json:
            sys.stdout.write(json.dumps({"ok": False, "errors": [{"line": n, "reason": r} for n, r in parsed.errors]})
                             + "\n")
        raise typer.Exit(1)
    settings = settings_or_exit()

    async def main(dsn: str) -> chat_import.Outcome | None:
        conn = await asyncpg.connect(dsn)
        try:
            user_id = await repo.user_id_by_email(conn, email.strip().lower())
            if user_id is None:
                return None
            with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=as_json) as progress:
                task = progress.add_task("turns", total=parsed.turns)
                return await chat_import.run_import(conn, user_id, parsed, lambda: progress.advance(task))
        finally:
            await conn.close()

    with database_dsn(settings) as dsn:
        outcome = asyncio.run(main(dsn))
    if outcome is None:
        console.print(f"[red]no account with email {email}[/] (sign in once first)")
        raise typer.Exit(1)
    report = {"ok": True, "threads": outcome.threads, "turns_imported": outcome.turns_imported,
              "turns_skipped": outcome.turns_skipped, "thread_ids": outcome.thread_ids}
    if as_json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    console.print(f"[green]imported[/] {outcome.turns_imported} turn(s) in {outcome.threads} thread(s); "
                  f"{outcome.turns_skipped} already imported")
