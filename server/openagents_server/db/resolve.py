"""Resolve which PostgreSQL to use: ``OPENAGENTS_DATABASE_URL`` or the embedded cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from openagents_server.db.embedded import EmbeddedPostgres
from openagents_server.settings import Settings


def embedded_for(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.data_path / "pg")


@contextmanager
def database_dsn(settings: Settings, keep_running: bool = False) -> Iterator[str]:
    """Yield a DSN; an embedded cluster started here is stopped on exit unless ``keep_running``."""
    if not settings.uses_embedded_database:
        yield settings.database_url
        return
    cluster = embedded_for(settings)
    was_running = cluster.is_initialized() and cluster.is_running()
    cluster.start()
    try:
        yield cluster.dsn()
    finally:
        if not was_running and not keep_running:
            cluster.stop()
