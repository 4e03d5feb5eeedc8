"""Per-key request limits kept in PostgreSQL (one atomic upsert), so all processes share them."""

from __future__ import annotations

import math
import random
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


#: anchor (ARCHITECTURE §5): auth email 30/min, login email 6/min, login verify 10/min.
AUTH_EMAIL = Limit("auth_email", 30, 60)
LOGIN_EMAIL = Limit("login_email", 6, 60)
LOGIN_VERIFY = Limit("login_verify", 10, 60)
#: Ours: registration shares the auth-email budget's size; refresh is generous but bounded.
REGISTER = Limit("register", 30, 60)
REFRESH = Limit("refresh", 60, 60)
#: One request in this many also deletes windows older than an hour.
_PRUNE_ONE_IN = 500


async def enforce(pool: asyncpg.Pool, limit: Limit, key: str) -> None:
    """Count this request against ``limit`` for ``key``; raise 429 with Retry-After past the limit."""
    hits, remaining = await rate_limits.hit(pool, f"{limit.name}:{key}", limit.window_seconds)
    if random.randrange(_PRUNE_ONE_IN) == 0:
        await rate_limits.prune(pool)
    if hits > limit.hits:
        _log.info("rate_limited", limit=limit.name, hits=hits)
        raise RateLimited("rate_limited", "Too many requests. Try again later.", retry_after=max(1, math.ceil(remaining)))
