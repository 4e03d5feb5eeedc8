"""Per-process gauges sampled every few seconds (pool use, Khala sockets and subscriptions), and the
per-connection statement timer for PostgreSQL.

Gauges are set by each worker and summed over live workers at scrape time (``livesum``), so sampling
costs nothing on the request path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog

from openagents_server.metrics.batch import BatchedHistogram, Batcher
from openagents_server.metrics.families import (
    DB_POOL_CONNECTIONS,
    DB_POOL_MAX,
    DB_QUERY_LATENCY,
    KHALA_CONNECTIONS,
    KHALA_SUBSCRIPTIONS,
)

_log = structlog.get_logger("openagents.metrics")
#: Seconds between samples; a scrape every 15 s sees values at most this old.
SAMPLE_INTERVAL_SECONDS = 2.0


def statement_timer(pool_name: str, batcher: Batcher | None = None) -> Callable[[asyncpg.Connection], None]:
    """An asyncpg connection hook recording every statement's latency under ``pool_name`` (tallied,
    written to the shared values once a second: ``batch.py``)."""
    histogram = BatchedHistogram(batcher or Batcher(), DB_QUERY_LATENCY.labels(pool_name))

    def record(query: Any) -> None:
        histogram.observe(query.elapsed)

    def attach(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(record)

    return attach


class Sampler:
    def __init__(self, pools: Callable[[], dict[str, asyncpg.Pool]], khala_stats: Callable[[], dict[str, object]],
                 interval: float = SAMPLE_INTERVAL_SECONDS) -> None:
        self.pools = pools
        self.khala_stats = khala_stats
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        for name, pool in self.pools().items():
            size, idle = pool.get_size(), pool.get_idle_size()
            DB_POOL_CONNECTIONS.labels(name, "in_use").set(size - idle)
            DB_POOL_CONNECTIONS.labels(name, "idle").set(idle)
            DB_POOL_MAX.labels(name).set(pool.get_max_size())
        stats = self.khala_stats()
        KHALA_CONNECTIONS.set(float(stats.get("connections", 0)))  # type: ignore[arg-type]
        KHALA_SUBSCRIPTIONS.set(float(stats.get("subscriptions", 0)))  # type: ignore[arg-type]

    async def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception as exc:  # noqa: BLE001 - metrics must never take the process down
                _log.warning("metrics_sample_failed", error=repr(exc))
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="metrics-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
