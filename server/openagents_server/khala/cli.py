"""``openagents khala publish|tail|stats|prune``: operator tools that talk to the log directly.

They use the configured database (``OPENAGENTS_DATABASE_URL`` or the embedded cluster), so they
work whether or not a server is running. ``stats --server URL`` also asks a running server for its
live counters through the internal signed key.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import asyncpg
import typer
from rich.console import Console
from rich.table import Table

from openagents_server.cli_settings import settings_or_exit

khala_cli = typer.Typer(no_args_is_help=True, help="Khala sync: publish, tail, stats, prune")
console = Console(stderr=True)


def _run(coro_factory: Any) -> Any:
    from openagents_server.db.resolve import database_dsn

    settings = settings_or_exit()
    with database_dsn(settings) as dsn:
        return asyncio.run(coro_factory(dsn, settings))


@khala_cli.command()
def publish(
    topic: str = typer.Argument(..., help="e.g. user:u1:notifications"),
    payload: str = typer.Option(..., "--payload", "-p", help="JSON document ('-' reads stdin)"),
    doc_key: str = typer.Option(..., "--doc-key", "-k"),
    kind: str = typer.Option("upsert", "--kind"),
    idempotency_key: str = typer.Option(None, "--idempotency-key"),
    expected_previous_seq: int = typer.Option(None, "--expected-previous-seq"),
) -> None:
    """Append one event to TOPIC's log (subscribers receive it at once)."""
    from openagents_server.khala import log

    try:
        body = json.loads(sys.stdin.read() if payload == "-" else payload)
    except json.JSONDecodeError as exc:
        console.print(f"[red]payload is not JSON:[/] {exc}")
        raise typer.Exit(2) from None

    async def go(dsn: str, _settings: Any) -> log.Appended:
        conn = await asyncpg.connect(dsn)
        try:
            return await log.append(conn, topic, doc_key=doc_key, payload=body, kind=kind,
                                    idempotency_key=idempotency_key, expected_previous_seq=expected_previous_seq)
        finally:
            await conn.close()

    try:
        appended = _run(go)
    except log.AppendError as exc:
        console.print(f"[red]{exc.code}[/] ({exc.reason}): {exc.message}")
        raise typer.Exit(1) from None
    note = " (idempotent retry: original seq)" if appended.duplicate else ""
    typer.echo(json.dumps({"topic": appended.topic, "seq": appended.seq, "payload_hash": appended.payload_hash}))
    console.print(f"appended {topic} seq {appended.seq}{note}")


@khala_cli.command()
def tail(
    topic: str = typer.Argument(...),
    after: int = typer.Option(None, "--after", help="print events after this seq (default: last 10)"),
    follow: bool = typer.Option(False, "--follow", "-f", help="keep printing new events"),
) -> None:
    """Print TOPIC's events as JSON lines; with --follow, wait for new ones (LISTEN/NOTIFY)."""
    from openagents_server.khala import log

    async def go(dsn: str, _settings: Any) -> None:
        conn = await asyncpg.connect(dsn)
        wake = asyncio.Event()
        try:
            states = await log.topic_states(conn, [topic])
            head = states[topic].head if topic in states else 0
            position = after if after is not None else max(0, head - 10)
            if follow:
                await conn.add_listener(log.EVENTS_CHANNEL, lambda *a: a[3].rpartition(" ")[0] == topic and wake.set())
            while True:
                events = await log.read(conn, topic, after=position, limit=500)
                for e in events:
                    typer.echo(json.dumps({"seq": e.seq, "kind": e.kind, "doc_key": e.doc_key,
                                           "doc_version": e.doc_version, "payload": json.loads(e.payload),
                                           "payload_hash": e.payload_hash}))
                    position = e.seq
                if len(events) == 500:
                    continue
                if not follow:
                    return
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), 5)  # also poll, in case a notify was missed
                except TimeoutError:
                    pass
        finally:
            await conn.close()

    try:
        _run(go)
    except KeyboardInterrupt:  # pragma: no cover - interactive
        pass


@khala_cli.command()
def stats(
    server: str = typer.Option(None, "--server", help="also show live counters of http://host:port"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Topics, heads, floors and event counts per topic class (and a server's live counters)."""

    async def go(dsn: str, settings: Any) -> dict[str, Any]:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                """
                SELECT t.topic_class, count(*) AS topics, sum(t.head_seq) AS appended,
                       sum(t.head_seq - t.floor_seq) AS retained, max(t.updated_at) AS last_append
                FROM khala_topics t GROUP BY t.topic_class ORDER BY t.topic_class
                """
            )
            revoked = await conn.fetchval("SELECT count(*) FROM khala_revoked_sessions")
        finally:
            await conn.close()
        out: dict[str, Any] = {
            "classes": [{"topic_class": r["topic_class"], "topics": r["topics"], "appended": int(r["appended"] or 0),
                         "retained": int(r["retained"] or 0),
                         "last_append": r["last_append"].isoformat() if r["last_append"] else None} for r in rows],
            "revoked_sessions": revoked,
        }
        if server:
            import httpx

            from openagents_server.khala.internal_auth import sign

            path = "/api/internal/khala/metrics"
            async with httpx.AsyncClient(timeout=5) as http:
                response = await http.get(server.rstrip("/") + path,
                                          headers=sign(settings.internal_api_key, "GET", path))
            out["server"] = response.json().get("data", response.json())
        else:
            conn = await asyncpg.connect(dsn)
            try:
                rows = await conn.fetch("SELECT stats FROM khala_node_stats WHERE updated_at > now() - interval '30 s'")
            finally:
                await conn.close()
            from openagents_server.khala.metrics import merge

            out["live_nodes"] = len(rows)
            out["totals"] = merge([json.loads(r["stats"]) if isinstance(r["stats"], str) else r["stats"] for r in rows])
        return out

    result = _run(go)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    table = Table("class", "topics", "appended", "retained", "last append")
    for c in result["classes"]:
        table.add_row(c["topic_class"], str(c["topics"]), str(c["appended"]), str(c["retained"]),
                      str(c["last_append"]))
    out = Console()
    out.print(table)
    out.print(f"revoked sessions: {result['revoked_sessions']}")
    if "totals" in result:
        totals = result["totals"]
        out.print(f"live nodes: {result['live_nodes']}  connections: {totals.get('connections', 0)}  "
                  f"subscriptions: {totals.get('subscriptions', 0)}  slow-consumer evictions: "
                  f"{totals.get('slow_consumer_evictions', 0)}  stale cursors: {totals.get('stale_cursors', 0)}")
    if "server" in result:
        out.print_json(data=result["server"])


@khala_cli.command()
def prune(batch_size: int = typer.Option(5_000, "--batch-size")) -> None:
    """Run the retention job now (every class, bounded batches)."""
    from openagents_server.khala.retention import run_once

    async def go(dsn: str, _settings: Any) -> dict[str, int] | None:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
        try:
            return await run_once(pool, batch_size)
        finally:
            await pool.close()

    totals = _run(go)
    if totals is None:
        console.print("another node is pruning right now; nothing done")
        raise typer.Exit(1)
    typer.echo(json.dumps(totals))
