"""Routing controls as every worker applies them: read from PostgreSQL, cached for at most a second.

* ``maintenance`` — every API path answers 503 with the operator's message (``Retry-After``), except
  what an operator needs to turn it off again (:data:`EXEMPT_PREFIXES`);
* ``route_disabled`` — API paths under a prefix answer 503 with the message and ``Retry-After``;
* ``driver_override`` — new runtime workers of a cohort get this driver (see :func:`driver_for`).

The gate is an ASGI layer in front of the router (inside the request id, so refusals carry one).
Its per-request cost with no control in force is one clock read and one attribute test; the table
is read at most once a second per worker, so every node agrees within ~1 s of a change.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import msgspec
import structlog
from litestar.types import ASGIApp, Receive, Scope, Send

from openagents_server.domains.ops import repository as repo
from openagents_server.errors import envelope
from openagents_server.metrics.families import ROUTING_REFUSALS

_log = structlog.get_logger("openagents.ops.controls")
#: Upper bound on how stale a worker's view may be (the acceptance asks for 5 s; the rollout uses 1 s).
CONTROLS_TTL_S = 1.0
CONTROLS_READ_TIMEOUT_S = 0.5
#: Never gated: the console and its API, sign-in and the caller's identity (so an administrator can
#: sign in and switch maintenance off), signed internal calls, the smoke stream (reports maintenance).
EXEMPT_PREFIXES = ("/api/admin/", "/api/auth/", "/api/me", "/api/internal/", "/api/smoke/")
KINDS = ("maintenance", "route_disabled", "driver_override")


@dataclass(frozen=True)
class Refusal:
    kind: str
    message: str
    retry_after: int


@dataclass(frozen=True)
class Controls:
    maintenance: Refusal | None = None
    #: (prefix, refusal), longest prefix first.
    disabled: tuple[tuple[str, Refusal], ...] = ()
    drivers: dict[str, str] = field(default_factory=dict)

    @property
    def gating(self) -> bool:
        return self.maintenance is not None or bool(self.disabled)

    @classmethod
    def from_rows(cls, rows: list[repo.ControlRecord]) -> Controls:
        maintenance, disabled, drivers = None, [], {}
        for row in rows:
            if row.kind == "maintenance":
                maintenance = Refusal("maintenance", row.value, row.retry_after)
            elif row.kind == "route_disabled":
                disabled.append((row.target, Refusal("route_disabled", row.value, row.retry_after)))
            elif row.kind == "driver_override":
                drivers[row.target] = row.value
        disabled.sort(key=lambda item: len(item[0]), reverse=True)
        return cls(maintenance, tuple(disabled), drivers)

    def refusal_for(self, path: str) -> Refusal | None:
        if not path.startswith("/api/") or path.startswith(EXEMPT_PREFIXES):
            return None
        for prefix, refusal in self.disabled:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return refusal
        return self.maintenance


def cohort_bucket(user_id: str) -> int:
    """A user's stable bucket in 0..99 for ``percent:N`` cohorts."""
    return int.from_bytes(hashlib.sha256(b"ops-cohort:" + user_id.encode()).digest()[:4], "big") % 100


def driver_for(drivers: dict[str, str], user_id: str, org_id: str | None) -> tuple[str, str] | None:
    """The override that applies to a user: ``user:`` beats ``org:`` beats ``percent:`` beats ``all``.

    Returns (cohort, driver), or None when no override applies."""
    if not drivers:
        return None
    if (hit := drivers.get(f"user:{user_id}")) is not None:
        return f"user:{user_id}", hit
    if org_id and (hit := drivers.get(f"org:{org_id}")) is not None:
        return f"org:{org_id}", hit
    bucket = cohort_bucket(user_id)
    percents = sorted((int(c.split(":", 1)[1]), c) for c in drivers if c.startswith("percent:"))
    for percent, cohort in percents:
        if bucket < percent:
            return cohort, drivers[cohort]
    if "all" in drivers:
        return "all", drivers["all"]
    return None


class ControlsCache:
    def __init__(self, ttl: float = CONTROLS_TTL_S) -> None:
        self.ttl = ttl
        self._value = Controls()
        self._at = float("-inf")
        self._lock = asyncio.Lock()

    def fresh(self) -> Controls | None:
        return self._value if time.monotonic() - self._at < self.ttl else None

    async def get(self, pool: asyncpg.Pool | None) -> Controls:
        async with self._lock:
            if time.monotonic() - self._at < self.ttl:
                return self._value
            try:
                if pool is None:
                    raise RuntimeError("no database pool yet")
                rows = await asyncio.wait_for(repo.controls(pool), CONTROLS_READ_TIMEOUT_S)
                self._value = Controls.from_rows(rows)
            except Exception as exc:  # noqa: BLE001 - keep the last known controls (fail open at start)
                _log.warning("routing_controls_read_failed", error=f"{type(exc).__name__}: {exc}")
            self._at = time.monotonic()
            return self._value


_encode = msgspec.json.encode


class RoutingGate:
    """ASGI layer answering 503 for a path a routing control closes."""

    def __init__(self, app: ASGIApp, pool: Callable[[], asyncpg.Pool | None], cache: ControlsCache | None = None) -> None:
        self.app = app
        self.pool = pool
        self.cache = cache or ControlsCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            controls = self.cache.fresh()
            if controls is None:
                controls = await self.cache.get(self.pool())
            if controls.gating:
                refusal = controls.refusal_for(scope["path"])
                if refusal is not None:
                    await self._refuse(refusal, send)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(refusal: Refusal, send: Send) -> None:
        ROUTING_REFUSALS.labels(refusal.kind).inc()
        body = _encode(envelope("service_unavailable", refusal.message, reason=refusal.kind,
                                retry_after=refusal.retry_after))
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(refusal.retry_after).encode()), (b"cache-control", b"no-store"),
        ]})
        await send({"type": "http.response.body", "body": body})
