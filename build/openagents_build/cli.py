"""``openagents build`` (registered on the main CLI in ``openagents_server.cli``)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from openagents_build.pipeline import OPEN_MIN_CLIENT_BUILD, BuildError, BuildOptions, build_bundle

console = Console(stderr=True)
REPO = Path(__file__).resolve().parents[2]


def build(
    out: Path = typer.Option(None, "--out", help="bundles directory (default: OPENAGENTS_BUNDLES_DIR)"),  # noqa: B008
    build_time: int = typer.Option(None, "--build-time", help="Unix time to record (default: last commit)"),
    min_client_build: str = typer.Option(
        OPEN_MIN_CLIENT_BUILD, "--min-client-build",
        help="oldest client build the API and Khala still accept (older ones get 426 upgrade_required)",
    ),
    source: Path = typer.Option(REPO, "--source", help="repository root holding shell/, proto/, static/"),  # noqa: B008
) -> None:
    """Build the shell bundle into dist/bundles/<build_id>/ (reproducible; atomic)."""
    if out is None:
        out = Path(os.environ.get("OPENAGENTS_BUNDLES_DIR", "dist/bundles"))
    options = BuildOptions(repo=source, bundles_dir=out, build_time=build_time,
                           min_client_build_id=min_client_build)
    try:
        with console.status("building…") as status:
            def report(message: str) -> None:
                status.update(message)
                console.print(f"  [green]✓[/] {message}")

            result = build_bundle(options, report)
    except BuildError as exc:
        console.print(f"[red]build failed:[/] {exc}")
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - npm/pip/setuptools failures: say what failed, exit 1
        console.print(f"[red]build failed:[/] {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    total = sum(a.size for a in result.manifest.assets)
    br = sum(a.br for a in result.manifest.assets)
    state = "built" if result.created else "unchanged"
    console.print(f"[bold]{state}[/] {result.build_id} → {result.path}  "
                  f"({len(result.manifest.assets)} files, {total / 1e6:.1f} MB raw, {br / 1e6:.1f} MB br)")
    console.print(f"activate it with: openagents bundle activate {result.build_id}")
    typer.echo(result.build_id)
