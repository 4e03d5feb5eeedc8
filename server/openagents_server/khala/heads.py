"""The safety net under wake-ups: a periodic check of topic heads against what this node read.

A NOTIFY lost to a bus reconnect, or never sent because a process died between COMMIT and the
notify, costs at most one interval: the watch sees the head moved and wakes the topic's feed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import asyncpg
import structlog

_log = structlog.get_logger("openagents.khala.heads")


class HeadWatch:
    """Every ``interval`` seconds: ``wake(topic)`` for each watched topic whose head passed ``read``."""

    def __init__(self, pool: asyncpg.Pool, interval: float, read: Callable[[], Mapping[str, int]],
                 wake: Callable[[str], None]) -> None:
        self.pool = pool
        self.interval = interval
        self._read = read
        self._wake = wake
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="khala-head-check")

    async def check(self) -> None:
        read = dict(self._read())
        if not read:
            return
        rows = await self.pool.fetch("SELECT topic, head_seq FROM khala_topics WHERE topic = ANY($1::text[])",
                                     list(read))
        for topic, head in rows:
            if head > read.get(topic, head):
                self._wake(topic)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - try again next interval
                _log.warning("khala_head_check_failed", error=str(exc))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
