"""This node's place in the cluster: its identity, its published stats, and socket admission.

Every node publishes its counters to ``khala_node_stats`` every few seconds; that row is also its
liveness. A socket is admitted only if its user has fewer than the cap of live sockets over every
live node (``khala_admit_connection``), and its session is not revoked — one round trip.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import timedelta

import asyncpg
import structlog

from openagents_server.khala.metrics import PUBLISH_INTERVAL_SECONDS

_log = structlog.get_logger("openagents.khala.cluster")

#: A node whose stats row is older than this is dead: its sockets stop counting toward per-user caps
#: (three missed publishes; see metrics.PUBLISH_INTERVAL_SECONDS).
NODE_TTL_SECONDS = 15.0
#: About once a minute (every 12th publish), the sockets of dead nodes are forgotten.
_CLEANUP_EVERY = 12


class ClusterMembership:
    """Publishes this node's stats, admits and releases its sockets, and cleans up after dead nodes."""

    def __init__(self, pool: asyncpg.Pool, stats: Callable[[], dict[str, object]]) -> None:
        self.pool = pool
        self.node_id = "node_" + secrets.token_hex(4)
        self._stats = stats
        self._rounds = 0
        self._task: asyncio.Task[None] | None = None
        self.stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._publish_loop(), name="khala-stats")

    async def publish_stats(self) -> None:
        """Also this node's liveness: its sockets count toward per-user caps while this row is fresh."""
        await self.pool.execute(
            "INSERT INTO khala_node_stats (node_id, stats) VALUES ($1, $2) "
            "ON CONFLICT (node_id) DO UPDATE SET stats = EXCLUDED.stats, updated_at = now()",
            self.node_id, self._stats(),
        )
        self._rounds += 1
        if self._rounds % _CLEANUP_EVERY == 1:
            await self.pool.execute(
                "DELETE FROM khala_connections c WHERE NOT EXISTS (SELECT 1 FROM khala_node_stats s "
                "WHERE s.node_id = c.node_id AND s.updated_at > now() - $1::interval)",
                timedelta(seconds=NODE_TTL_SECONDS * 10),
            )

    async def _publish_loop(self) -> None:
        while True:
            try:
                await self.publish_stats()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - metrics must never take the node down
                _log.warning("khala_stats_publish_failed", error=str(exc))
            await asyncio.sleep(PUBLISH_INTERVAL_SECONDS)

    async def admit(self, conn_id: str, session_id: str, user_id: str, cap: int) -> tuple[bool, bool]:
        """One round trip: is the session revoked, and may this user open one more socket on the
        cluster (``cap`` counted over every live node)? Returns ``(revoked, admitted)``; an admitted
        socket is registered in ``khala_connections`` until :meth:`release`."""
        row = await self.pool.fetchrow(
            "SELECT EXISTS (SELECT 1 FROM khala_revoked_sessions WHERE session_id = $1) AS revoked, "
            "khala_admit_connection($2, $3, $4, $5, $6) AS live",
            session_id, conn_id, self.node_id, user_id, cap, timedelta(seconds=NODE_TTL_SECONDS),
        )
        return bool(row["revoked"]), row["live"] >= 0

    async def release(self, conn_id: str) -> None:
        if self.stopping:
            return  # this node's rows go in one statement in stop()
        try:
            await self.pool.execute("DELETE FROM khala_connections WHERE conn_id = $1", conn_id)
        except Exception as exc:  # noqa: BLE001 - the row stops counting when this node goes stale
            _log.warning("khala_release_failed", conn=conn_id, error=str(exc))

    async def stop(self) -> None:
        self.stopping = True
        if self._task is not None:
            self._task.cancel()
        try:
            await self.pool.execute("DELETE FROM khala_connections WHERE node_id = $1", self.node_id)
            await self.pool.execute("DELETE FROM khala_node_stats WHERE node_id = $1", self.node_id)
        except Exception as exc:  # noqa: BLE001 - shutting down; the row ages out anyway
            _log.debug("khala_stats_cleanup_failed", error=str(exc))
