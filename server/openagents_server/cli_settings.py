"""Settings for command-line tools: one loader that turns a bad configuration into a clear exit."""

from __future__ import annotations

import typer
from rich.console import Console

from openagents_server.settings import Settings, SettingsError, load_settings

_console = Console(stderr=True)


def settings_or_exit(**overrides: object) -> Settings:
    """The effective settings (``None`` overrides are ignored); exit 2 naming the bad variable."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        _console.print(f"[red]invalid configuration:[/] {exc}")
        raise typer.Exit(2) from None
