"""The paywall gate: ASGI middleware in front of this platform's routes.

For a request whose path falls under an enabled paywall's ``route_prefix``:

* no credential → ``402`` with ``WWW-Authenticate: L402 macaroon="…", invoice="…"`` (a fresh invoice
  from the backend, a macaroon bound to its payment hash, the paywall's service and lifetime);
* ``Authorization: L402|LSAT <macaroon>:<preimage>`` → verified: known challenge, signature,
  service, expiry, ``sha256(preimage) == payment hash``. Forged or for another service → ``401``;
  expired → ``402`` with a new challenge. A good one passes, and its first use records the settlement.

Verifying is cheap: the paywall table is re-read at most once a second per process (at once in the
process whose routes changed it), and a verified
credential is remembered (by its exact header value) until its expiry, so a repeat request costs a
prefix match and a dict lookup (``bench/l402_paywall.py``).
"""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.types import ASGIApp, Receive, Scope, Send

from openagents_server.domains.l402 import challenge as l402
from openagents_server.domains.l402 import macaroons, service
from openagents_server.domains.l402 import repository as repo
from openagents_server.domains.payments.backends.base import BackendUnavailable
from openagents_server.domains.payments.kit import LightningKit
from openagents_server.khala import log

_log = structlog.get_logger("openagents.l402")
RELOAD_SECONDS = 1.0
MAX_CACHED = 50_000
#: A challenge's invoice lives this long at most (anchor: Aperture's default invoice expiry, 1 h).
MAX_INVOICE_EXPIRY = 3600
#: Unpaid challenges are forgotten this long after their invoice expired (now and then, on a 402):
#: every anonymous request to a paid route writes one, so the table must not grow without bound.
CHALLENGE_GRACE_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class Paywall:
    id: str
    name: str
    service: str
    route_prefix: str
    price_msat: int
    ttl: int
    #: Set: the paywall fronts this upstream service (``proxy.py``), else this platform's own routes.
    upstream_url: str | None = None


class PaywallGate:
    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None
        self.kit: LightningKit | None = None
        self._paywalls: tuple[Paywall, ...] = ()
        self._paused = False
        self._loaded_at = -1.0
        self._ever_loaded = False
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()

    def bind(self, pool: asyncpg.Pool, kit: LightningKit) -> None:
        self.pool, self.kit = pool, kit
        self._loaded_at = -1.0

    async def refresh(self) -> None:
        """Re-read the paywalls now (after a change made by this process), before answering the change."""
        if self.pool is not None:
            await self._load()

    async def _load(self) -> None:
        assert self.pool is not None
        # Concurrent requests keep using the current table while one of them re-reads it.
        previous, self._loaded_at = self._loaded_at, time.monotonic()
        try:
            rows = await repo.paywalls(self.pool, enabled_only=True)
            state = await repo.control_state(self.pool)
        except (OSError, asyncpg.PostgresError) as exc:
            self._loaded_at = previous
            if not self._ever_loaded:
                raise  # never loaded: fail closed rather than serve paid routes for free
            _log.warning("paywalls_reload_failed", error=type(exc).__name__)
            return
        self._paywalls = tuple(sorted((Paywall(r.id, r.name, r.service, r.route_prefix, r.price_msat,
                                               r.credential_ttl_seconds, r.upstream_url) for r in rows),
                                      key=lambda p: -len(p.route_prefix)))
        self._paused = state.paused
        self._ever_loaded = True

    async def match(self, path: str) -> Paywall | None:
        if self.pool is None:
            return None
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            await self._load()
        return self._find(path)

    def match_fresh(self, path: str) -> Paywall | None | bool:
        """The match without awaiting while the table is fresh; ``False`` when it must be re-read first.

        Why: both paywall layers run on every request (assets and health checks too); with no await the
        common case costs a clock read and a short loop, not a coroutine (bench/http_baseline.py).
        """
        if self.pool is None:
            return None
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            return False
        return self._find(path)

    def _find(self, path: str) -> Paywall | None:
        for paywall in self._paywalls:
            prefix = paywall.route_prefix
            if path == prefix or path.startswith(prefix + "/"):
                return paywall
        return None

    async def challenge(self, paywall: Paywall) -> tuple[int, dict[str, Any], dict[str, str]]:
        assert self.kit is not None and self.pool is not None
        try:
            invoice = await self.kit.backend.create_invoice(paywall.price_msat, f"L402 {paywall.name}",
                                                            min(paywall.ttl, MAX_INVOICE_EXPIRY))
        except BackendUnavailable as exc:
            return 503, _envelope("lightning_unavailable", "The paywall cannot issue an invoice right now.",
                                  reason=exc.reason), {"retry-after": "5"}
        valid_until = int(time.time()) + paywall.ttl
        minted = macaroons.mint(self.kit.macaroon_secret, payment_hash=bytes.fromhex(invoice.payment_hash),
                                service=paywall.service, valid_until=valid_until)
        await repo.insert_challenge(self.pool, payment_hash=invoice.payment_hash, token_id=minted.token_id,
                                    paywall_id=paywall.id, service=paywall.service, amount_msat=paywall.price_msat,
                                    payment_request=invoice.payment_request,
                                    expires_at=datetime.fromtimestamp(invoice.expires_at, UTC))
        if secrets.randbelow(256) == 0:
            await repo.prune_challenges(self.pool, CHALLENGE_GRACE_SECONDS)
        body = _envelope("payment_required", f"Pay {paywall.price_msat // 1000} sats to use this route.",
                         invoice=invoice.payment_request, macaroon=minted.macaroon, amount_msat=paywall.price_msat,
                         service=paywall.service, mode=self.kit.mode)
        return 402, body, {"www-authenticate": l402.challenge_header(minted.macaroon, invoice.payment_request)}

    async def admit(self, paywall: Paywall, authorization: str | None) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """None to let the request through, else (status, body, headers) to answer instead."""
        if self._paused:
            return 503, _envelope("paywalls_paused", "Paid routes are paused by the operators.",
                                  reason="global_pause"), {"retry-after": "60"}
        if not authorization or not authorization[:5].upper().startswith(("L402 ", "LSAT ")):
            return await self.challenge(paywall)
        now = time.time()
        hit = self._verified.get(authorization)
        if hit is not None and hit[0] == paywall.service and hit[1] > now:
            return None
        refusal = await self._verify(paywall, authorization, now)
        if refusal is None:
            return None
        reason, message = refusal
        if reason == "expired":
            status, body, headers = await self.challenge(paywall)
            body["error"]["reason"] = "expired"
            return status, body, headers
        return 401, _envelope("invalid_l402_credential", message, reason=reason), {
            "www-authenticate": 'L402 realm="openagents"'}

    async def _verify(self, paywall: Paywall, authorization: str, now: float) -> tuple[str, str] | None:
        assert self.kit is not None and self.pool is not None
        try:
            credential = l402.parse_credential(authorization)
            mac = macaroons.decode(credential.macaroon)
            verified = macaroons.verify(self.kit.macaroon_secret, mac, service=paywall.service, now=now)
        except l402.MalformedHeader as exc:
            return "malformed_credential", str(exc)
        except macaroons.InvalidMacaroon as exc:
            return exc.reason, str(exc)
        if not macaroons.preimage_matches(credential.preimage, verified.payment_hash):
            return "wrong_preimage", "The preimage does not match the macaroon's payment hash."
        issued = await repo.challenge(self.pool, verified.payment_hash.hex())
        if issued is None or issued.token_id != verified.token_id or issued.service != paywall.service:
            return "unknown_token", "This credential was not issued by this platform for this service."
        async with log.unit_of_work(self.pool) as conn:
            await service.record_settlement(conn, payment_hash=issued.payment_hash, paywall_id=issued.paywall_id,
                                            service=issued.service, amount_msat=issued.amount_msat,
                                            source="credential")
        self._verified[authorization] = (paywall.service, float(verified.valid_until))
        while len(self._verified) > MAX_CACHED:
            self._verified.popitem(last=False)
        return None


def _envelope(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"message": message, "error": {"code": code, "message": message, **extra}}


async def answer(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    """Send a JSON envelope straight to the ASGI server (the gate answers outside Litestar's handlers)."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
           (b"cache-control", b"no-store")]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def authorization_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


#: Handler parameter type: ``paywall_gate: Gate`` (routes that change paywalls reload it at once).
Gate = NamedDependency[SkipValidation[PaywallGate]]


class PaywallMiddleware:
    """Litestar middleware (``DefineMiddleware(PaywallMiddleware, gate=…)``)."""

    def __init__(self, app: ASGIApp, gate: PaywallGate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        paywall = self.gate.match_fresh(scope["path"])
        if paywall is False:
            paywall = await self.gate.match(scope["path"])
        if paywall is None:
            await self.app(scope, receive, send)
            return
        outcome = await self.gate.admit(paywall, authorization_of(scope))
        if outcome is None:
            await self.app(scope, receive, send)
            return
        await answer(send, *outcome)
