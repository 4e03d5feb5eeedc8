"""This process's Khala: the hub, the token keys, the socket limits and the retention loop.

Built by the app's services (``services.py``) once the pool and the notification bus exist; the
socket entry (``gateway``) and the HTTP side (``http``) are handed this object, never ``app.state``.
"""

from __future__ import annotations

import asyncio

import asyncpg

from openagents_server.db.bus import PostgresBus
from openagents_server.khala.connection import Limits
from openagents_server.khala.fanout import BusFanout, Fanout, MemoryFanout
from openagents_server.khala.hub import Hub
from openagents_server.khala.retention import retention_loop
from openagents_server.khala.tokens import SigningKeys
from openagents_server.settings import Settings


def limits_from(settings: Settings) -> Limits:
    return Limits(
        hello_timeout=settings.khala_hello_timeout_ms / 1000,
        heartbeat_interval=settings.khala_heartbeat_interval_ms / 1000,
        idle_timeout=settings.khala_idle_timeout_ms / 1000,
        outbound_queue_bytes=settings.khala_outbound_queue_bytes,
        inbound_rate=settings.khala_inbound_rate_per_second,
        inbound_burst=settings.khala_inbound_burst,
        max_connections_per_user=settings.khala_max_connections_per_user,
        min_client_build_id=settings.khala_min_client_build_id,
        max_client_build_id=settings.khala_max_client_build_id,
        min_schema_version=settings.khala_min_schema_version,
        max_schema_version=settings.khala_max_schema_version,
    )


class KhalaNode:
    """One process's share of the Khala cluster."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keys = SigningKeys.parse(settings.sync_token_secret)
        self.limits = limits_from(settings)
        self._hub: Hub | None = None
        self._pruner: asyncio.Task[None] | None = None

    @property
    def hub(self) -> Hub:
        if self._hub is None:
            raise RuntimeError("Khala starts with the app's lifespan")
        return self._hub

    async def start(self, pool: asyncpg.Pool, bus: PostgresBus) -> None:
        settings = self.settings
        fanout: Fanout = BusFanout(bus) if settings.khala_fanout == "postgres" else MemoryFanout()
        self._hub = Hub(pool, fanout, poll_interval=settings.khala_head_check_interval_ms / 1000)
        await self._hub.start()
        self._pruner = asyncio.create_task(retention_loop(pool, settings.khala_retention_interval_ms / 1000),
                                           name="khala-retention")

    async def stop(self) -> None:
        if self._pruner is not None:
            self._pruner.cancel()
        if self._hub is not None:
            await self._hub.stop()
