"""The rollout as each worker sees it: read from PostgreSQL, cached for at most a second, so every
node and worker converges on a change within ~1 s without a restart. Also: which bundle a client
gets (the canary cohort rule) and the per-device cohort key."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass

import asyncpg
import structlog

from openagents_server.web.bundles import BundleStore, LocalBundle
from openagents_server.web.repository import Rollout, fetch_rollout

_log = structlog.get_logger("openagents.web.rollout")
#: Upper bound on how stale a worker's view of the rollout may be (issue 6: "~1 s at most").
ROLLOUT_TTL_S = 1.0
ROLLOUT_READ_TIMEOUT_S = 0.5


class RolloutCache:
    def __init__(self, ttl: float = ROLLOUT_TTL_S) -> None:
        self.ttl = ttl
        self._value: Rollout | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    def fresh(self) -> Rollout | None:
        """The cached rollout while it is fresh (no coroutine on the per-request hot path), else None."""
        if self._value is not None and time.monotonic() - self._at < self.ttl:
            return self._value
        return None

    async def get(self, pool: asyncpg.Pool | None) -> Rollout:
        if self._value is not None and time.monotonic() - self._at < self.ttl:
            return self._value
        async with self._lock:
            if self._value is not None and time.monotonic() - self._at < self.ttl:
                return self._value
            try:
                if pool is None:
                    raise RuntimeError("no database pool yet")
                # Bounded: a database outage must not stall assets and health checks behind it.
                self._value = await asyncio.wait_for(fetch_rollout(pool), ROLLOUT_READ_TIMEOUT_S)
            except Exception as exc:  # noqa: BLE001 - keep serving the last known rollout
                _log.warning("rollout_read_failed", error=f"{type(exc).__name__}: {exc}")
                if self._value is None:
                    # Never guess: the newest bundle may be the one just rolled back, and the kill
                    # switch may be on. Pages and the worker script answer 503 until a read succeeds.
                    self._value = Rollout(known=False)
            self._at = time.monotonic()
            return self._value


def device_cohort_key(cookie_key: str | None, client_host: str, user_agent: str, secret: str) -> str:
    """The device's cohort key: its cookie's, else one derived from its address and user agent.

    A first visit gets the derived key as its cookie, so its first page and every later request agree.
    A browser that blocks cookies sends none, ever: a random key per request would move it between
    the canary and the active bundle from one load to the next, the derived one keeps it in place
    while its address and browser stay the same. Keyed with a server secret: the cookie's value does
    not reveal the address it came from."""
    if valid_cohort_key(cookie_key):
        return cookie_key  # type: ignore[return-value]
    message = f"{client_host}\n{user_agent}".encode()
    return hmac.new(secret.encode(), b"oa-cohort\n" + message, hashlib.sha256).hexdigest()[:16]


def valid_cohort_key(value: str | None) -> bool:
    return bool(value) and len(value) == 16 and all(c in "0123456789abcdef" for c in value)  # type: ignore[union-attr]


def cohort_bucket(cohort_key: str, canary_build_id: str) -> int:
    """0–99, stable for a device and a canary; raising the percentage keeps earlier devices in."""
    digest = hashlib.sha256(f"{cohort_key}:{canary_build_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100


@dataclass(frozen=True)
class Choice:
    bundle: LocalBundle | None
    canary: bool


def choose_bundle(rollout: Rollout, store: BundleStore, cohort_key: str | None) -> Choice:
    """Canary for devices whose bucket is below the percentage, else the active bundle, else the
    newest bundle on disk (a fresh checkout that never ran ``bundle activate``)."""
    if (rollout.canary_build_id and cohort_key and rollout.canary_percent > 0
            and cohort_bucket(cohort_key, rollout.canary_build_id) < rollout.canary_percent):
        canary = store.get(rollout.canary_build_id)
        if canary is not None:
            return Choice(canary, True)
    if rollout.active_build_id:
        active = store.get(rollout.active_build_id)
        if active is None:
            _log.error("active_bundle_missing_on_node", build_id=rollout.active_build_id)
        return Choice(active, False)
    return Choice(store.newest(), False)
