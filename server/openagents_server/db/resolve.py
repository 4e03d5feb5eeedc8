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
    """Yield a DSN for the configured database.

    The embedded cluster is stopped on exit (also when starting it fails or is interrupted) by the
    process that owns it (:meth:`EmbeddedPostgres.claim`): the one that started it, or the one that
    adopted it from a process that died without stopping it. A command run while a live server owns
    the cluster uses it and leaves it running; ``keep_running`` leaves it running in any case.
    """
    if not settings.uses_embedded_database:
        yield settings.database_url
        return
    cluster = embedded_for(settings)
    owner = cluster.claim()
    try:
        cluster.start()
        yield cluster.dsn()
    finally:
        try:
            if owner and not keep_running:
                cluster.stop()
        finally:
            cluster.release()
