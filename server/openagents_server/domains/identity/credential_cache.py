"""A per-process cache of authenticated credentials, invalidated through PostgreSQL NOTIFY.

Why: resolving a Bearer token costs a database round trip, several times the cost of the request
itself on small machines. Caching the resolved :class:`AuthContext` for a few seconds removes it.

Safety rules (ADR 0200):
* only active, unexpired credentials are cached, and never past their own expiry;
* the cache is used only while the process's notification bus (``db/bus.py``) is connected; if
  it drops, the cache is cleared and bypassed until it is back (fail closed);
* every write that changes what a cached context says (revocation, rotation, active org, profile)
  evicts locally at once and NOTIFYs the other processes, which evict on delivery (milliseconds
  after commit). ``TTL_SECONDS`` bounds any staleness the channels could miss.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import structlog

from openagents_server.db.bus import PostgresBus
from openagents_server.domains.identity.context import AuthContext
from openagents_server.khala.revocation import REVOCATION_CHANNEL

#: Channel for non-revoking changes: payload ``s:<session or token id>`` or ``u:<user id>``.
INVALIDATION_CHANNEL = "auth_invalidations"
TTL_SECONDS = 5.0
MAX_ENTRIES = 20_000
_log = structlog.get_logger("openagents.auth.cache")


@dataclass(frozen=True, slots=True)
class _Entry:
    context: AuthContext
    deadline: float  # monotonic


class CredentialCache:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        #: 1 while the notification bus feeding this cache is connected (the cache is on only then).
        self.listeners = 0
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.listeners > 0 and self.ttl > 0

    def get(self, key: bytes) -> AuthContext | None:
        if not self.enabled:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.deadline <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry.context

    def put(self, key: bytes, context: AuthContext, seconds_left: float | None) -> None:
        """Cache ``context`` for at most the TTL and never past the credential's own expiry."""
        if not self.enabled:
            return
        life = self.ttl if seconds_left is None else min(self.ttl, seconds_left)
        if life <= 0:
            return
        self._entries[key] = _Entry(context, time.monotonic() + life)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def evict_credentials(self, ids: Sequence[str]) -> None:
        wanted = set(ids)
        for key in [k for k, e in self._entries.items() if e.context.credential_id in wanted]:
            self._entries.pop(key, None)

    def evict_user(self, user_id: str) -> None:
        for key in [k for k, e in self._entries.items() if e.context.user_id == user_id]:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def on_notify(self, channel: str, payload: str) -> None:
        if channel == REVOCATION_CHANNEL:
            self.evict_credentials([p for p in payload.split(",") if p])
        elif payload.startswith("u:"):
            self.evict_user(payload[2:])
        elif payload.startswith("s:"):
            self.evict_credentials([payload[2:]])
        else:
            self.clear()


async def invalidate(conn: asyncpg.Connection, cache: CredentialCache, *, credential_id: str | None = None,
                     user_id: str | None = None) -> None:
    """Evict from this process's ``cache`` now and tell the others (NOTIFY arrives after the caller commits)."""
    if credential_id:
        cache.evict_credentials([credential_id])
        await conn.execute("SELECT pg_notify($1, $2)", INVALIDATION_CHANNEL, f"s:{credential_id}")
    if user_id:
        cache.evict_user(user_id)
        await conn.execute("SELECT pg_notify($1, $2)", INVALIDATION_CHANNEL, f"u:{user_id}")


async def attach(cache: CredentialCache, bus: PostgresBus) -> None:
    """Feed ``cache`` from the process's notification bus; it is on only while the bus is connected."""
    if cache.ttl <= 0:
        return
    await bus.listen(REVOCATION_CHANNEL, lambda payload: cache.on_notify(REVOCATION_CHANNEL, payload))
    await bus.listen(INVALIDATION_CHANNEL, lambda payload: cache.on_notify(INVALIDATION_CHANNEL, payload))

    def on_state(up: bool) -> None:
        # Fail closed: whatever was cached may have been revoked while we could not hear it.
        cache.clear()
        cache.listeners = 1 if up else 0
        if not up:
            _log.warning("credential_cache_bus_lost")

    bus.on_state(on_state)
    if bus.connected.is_set():
        on_state(True)
