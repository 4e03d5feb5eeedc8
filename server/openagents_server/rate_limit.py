"""Request limits shared by every process (state in PostgreSQL; docs/adr/0203).

* Named limits (:data:`AUTH_EMAIL`, :data:`LOGIN_VERIFY` …) are GCRA buckets: ``hits`` per window with
  no edge at which twice the limit passes; one atomic statement per hit (:func:`enforce`).
* :class:`CredentialBudget` is the per-credential ceiling on the authenticated API: a token bucket in
  PostgreSQL from which each worker leases a small batch, so the hot path is a dict lookup and the
  database sees one statement per batch, not per request.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import structlog

from openagents_server.db import rate_limits
from openagents_server.errors import RateLimited

_log = structlog.get_logger("openagents.ratelimit")


@dataclass(frozen=True)
class Limit:
    name: str
    hits: int
    window_seconds: int


#: anchor (ARCHITECTURE §5): auth email 30/min, login email 6/min, login verify 10/min (per IP).
AUTH_EMAIL = Limit("auth_email", 30, 60)
LOGIN_EMAIL = Limit("login_email", 6, 60)
LOGIN_VERIFY = Limit("login_verify", 10, 60)
#: Ours: registration shares the auth-email budget's size; refresh is generous but bounded.
REGISTER = Limit("register", 30, 60)
REFRESH = Limit("refresh", 60, 60)
#: Codes sent to one email address, from any address (mail bombing; each code is 5 more guesses).
CODES_PER_EMAIL = Limit("codes_email", 10, 3600)
#: One request in this many also deletes idle buckets.
_PRUNE_ONE_IN = 500


def too_many(retry_after: float) -> RateLimited:
    return RateLimited("rate_limited", "Too many requests. Try again later.", retry_after=max(1, math.ceil(retry_after)))


async def enforce(pool: asyncpg.Pool, limit: Limit, key: str) -> None:
    """Count this request against ``limit`` for ``key``; raise 429 with Retry-After past the limit."""
    allowed, wait = await rate_limits.hit(pool, f"{limit.name}:{key}", limit.hits, limit.window_seconds)
    if random.randrange(_PRUNE_ONE_IN) == 0:
        await rate_limits.prune(pool)
    if not allowed:
        _log.info("rate_limited", limit=limit.name)
        raise too_many(wait)


class CredentialBudget:
    """The per-credential API ceiling: ``rate`` requests/s sustained, ``burst`` at once, across workers.

    Each worker leases up to :attr:`batch` tokens from the shared bucket (one atomic statement) and
    spends them locally; a lease unused after :data:`LEASE_SECONDS` is dropped, so a worker never
    holds budget the bucket has since refilled. Once refused, a credential is refused locally until
    the bucket has a token again (no database traffic from a client that keeps hammering).

    One lease per credential is in flight at a time: requests that find the local lease spent while
    another request is already fetching the next one wait for it and share it. Without that, a
    client with 32 connections open sent up to 32 lease statements each time its lease ran out,
    queued on the pool and took 32 batches from the bucket (the whole cost of ``/api/me``'s
    regression in issue 16: 113 → 152 µs of server CPU per request).
    """

    LEASE_SECONDS = 1.0
    #: Local state is dropped wholesale past this many credentials (a lease is only an optimisation).
    MAX_TRACKED = 50_000

    def __init__(self, pool: Callable[[], asyncpg.Pool], *, rate: float, burst: int) -> None:
        self._pool = pool
        self.rate = rate
        self.burst = burst
        self.batch = max(1, min(100, burst // 20))
        self._leases: dict[str, tuple[int, float]] = {}
        self._refused_until: dict[str, float] = {}
        self._fetching: dict[str, asyncio.Future[None]] = {}

    async def spend(self, credential_id: str) -> None:
        """Take one request's token for ``credential_id`` or raise :class:`RateLimited`."""
        while True:
            now = time.monotonic()
            lease = self._leases.get(credential_id)
            if lease is not None and lease[0] > 0 and now - lease[1] < self.LEASE_SECONDS:
                self._leases[credential_id] = (lease[0] - 1, lease[1])
                return
            until = self._refused_until.get(credential_id)
            if until is not None:
                if now < until:
                    raise too_many(until - now)
                del self._refused_until[credential_id]
            fetching = self._fetching.get(credential_id)
            if fetching is None:
                break
            # Shielded: a waiter whose client goes away must not cancel the fetch the others wait on.
            await asyncio.shield(fetching)
        fetched: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._fetching[credential_id] = fetched
        try:
            granted, wait = await rate_limits.lease(self._pool(), credential_id, want=self.batch, rate=self.rate,
                                                    burst=self.burst)
        finally:
            del self._fetching[credential_id]
            fetched.set_result(None)
        if len(self._leases) >= self.MAX_TRACKED or len(self._refused_until) >= self.MAX_TRACKED:
            self._leases.clear()
            self._refused_until.clear()
        if granted == 0:
            self._leases.pop(credential_id, None)
            self._refused_until[credential_id] = now + wait
            _log.info("rate_limited", limit="api_credential")
            raise too_many(wait)
        self._leases[credential_id] = (granted - 1, time.monotonic())
