"""``openagents worker run``: run a Codex worker against an OpenAgents server."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import typer

worker_cli = typer.Typer(no_args_is_help=True, help="Codex workers: run one against a server")


@worker_cli.command("run")
def run(
    url: str = typer.Option("http://127.0.0.1:8000", "--url", envvar="OPENAGENTS_URL", help="the server"),
    token: str = typer.Option(..., "--token", envvar="OPENAGENTS_TOKEN",
                              help="a personal access token with the 'runtime:write' and 'sync:token' abilities"),
    adapter: str = typer.Option("demo", "--adapter", "-a", help="demo, openai or codex"),
    worker_id: str = typer.Option(None, "--worker-id", help="register again under this id"),
    heartbeat: float = typer.Option(30.0, "--heartbeat", help="seconds between heartbeats"),
    openai_url: str = typer.Option("", envvar="OPENAI_BASE_URL", help="e.g. http://127.0.0.1:11434/v1"),
    openai_key: str = typer.Option("", envvar="OPENAI_API_KEY"),
    openai_model: str = typer.Option("", envvar="OPENAI_MODEL"),
    codex_command: str = typer.Option("codex app-server", envvar="CODEX_APP_SERVER"),
    demo_delay: float = typer.Option(0.01, "--demo-delay", min=0.0, max=5.0,
                                     help="demo: seconds between words (a slower stream for demos and tests)"),
) -> None:
    """Register, follow the worker's Khala topic, execute requests, until stopped (Ctrl-C or the owner)."""
    from openagents_server.domains.runtime.worker.adapters import AdapterError, build
    from openagents_server.domains.runtime.worker.runner import ApiError, Worker

    try:
        backend = build(adapter, openai_url=openai_url, openai_key=openai_key, openai_model=openai_model,
                        codex_command=codex_command, delay=demo_delay)
    except AdapterError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None

    async def main() -> None:
        worker = Worker(url, token, backend, worker_id=worker_id, heartbeat_seconds=heartbeat)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, worker.stopped.set)
        task = asyncio.create_task(worker.run())
        await task

    try:
        asyncio.run(main())
    except ApiError as exc:
        typer.echo(f"the server refused: {exc}", err=True)
        raise typer.Exit(1) from None
