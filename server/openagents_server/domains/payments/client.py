"""The L402 client: fetch a URL, and when it answers 402, pay within the wallet's policy and retry.

This is the function the autopilot's ``l402.fetch`` tool calls (:func:`fetch`). Steps:

1. the URL's host must be on the wallet's allowed hosts (checked *before* any request is made), and
   must resolve to public addresses only (``netguard``: resolved once, every address checked, the
   connection pinned to the checked one; ``l402_http_allow`` lists exceptions for development) →
   otherwise ``403 url_blocked`` with the ``ssrf_block.*`` reason, nothing sent, nothing paid;
2. a cached credential for the URL (scheme, host, port, path) is sent if the wallet holds one;
3. on ``402`` with ``WWW-Authenticate: L402|LSAT macaroon=…, invoice=…``: the invoice is decoded,
   checked against ``max_price_sats`` and paid through :func:`service.pay_invoice` (policy under the
   row lock, idempotent by ``l402:<payment hash>``, receipted);
4. the request is retried with ``Authorization: L402 <macaroon>:<preimage>``; the credential is
   stored sealed and reused until its ``*_valid_until`` caveat passes.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from openagents_proto.runtime.domain import ReasonCode

from openagents_server import netguard
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.l402 import challenge as l402
from openagents_server.domains.l402 import invoices, macaroons
from openagents_server.domains.payments import policy as spend
from openagents_server.domains.payments import repository as repo
from openagents_server.domains.payments import service
from openagents_server.domains.payments.kit import LightningKit
from openagents_server.errors import Forbidden, Invalid, NotFound, Unavailable
from openagents_server.netguard import Blocked

#: Response bodies handed back to the caller are cut at this size.
MAX_BODY_BYTES = 256 * 1024
_FORWARDED = ("content-type", "content-length", "cache-control", "etag", "last-modified")


def _expiry_of(macaroon_text: str) -> float | None:
    try:
        mac = macaroons.decode(macaroon_text)
    except macaroons.InvalidMacaroon:
        return None
    for caveat in mac.first_party_caveats():
        name, _, value = macaroons.caveat_text(caveat).partition("=")
        if name.endswith("_valid_until") and value.isdigit():
            return float(value)
    return None


def _result(response: httpx.Response, *, paid: bool, cached: bool, payment: dict[str, Any] | None) -> dict[str, Any]:
    body = response.content[:MAX_BODY_BYTES]
    return {"status": response.status_code, "headers": {k: v for k, v in response.headers.items() if k in _FORWARDED},
            "body": body.decode("utf-8", "replace"), "truncated": len(response.content) > MAX_BODY_BYTES,
            "paid": paid, "used_cached_credential": cached, "payment": payment}


async def fetch(pool: asyncpg.Pool, kit: LightningKit, auth: AuthContext, *, url: str, method: str = "GET",
                headers: dict[str, str] | None = None, body: str | None = None, max_price_msat: int | None = None,
                approved: bool = False) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("invalid_url", "Give an absolute http(s) URL.", field="url")
    if parts.username is not None or parts.password is not None:
        raise Forbidden("url_blocked", "URLs with credentials (user:password@) are not fetched.", field="url",
                        reason=netguard.code(ReasonCode.SSRF_BLOCK_INVALID_URL))
    wallet = await repo.wallet_for_user(pool, auth.user_id)
    if wallet is None:
        raise NotFound("wallet_not_found", "No agent wallet yet: create one with POST /api/agent-payments/wallet.")
    if not spend.host_allowed(tuple(wallet.allowed_hosts), parts.hostname, parts.port):
        raise spend.PolicyRefusal(message=f"{parts.hostname} is not on the wallet's allowed hosts.",
                                  reason="host_not_allowed")
    scope = f"{parts.scheme}://{parts.netloc.lower()}{parts.path or '/'}"
    send_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}
    content = body.encode() if body is not None else None

    async def request(authorization: str | None) -> httpx.Response:
        extra = {"authorization": authorization} if authorization else {}
        try:
            return await kit.http.request(method, url, headers={**send_headers, **extra}, content=content)
        except Blocked as exc:
            raise Forbidden("url_blocked", f"The URL is not reachable from this server: {exc}", field="url",
                            reason=exc.reason_code) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise Unavailable("upstream_unreachable", f"The URL could not be fetched ({type(exc).__name__}).",
                              reason="upstream_unreachable") from None

    cached = await kit.credentials.get(pool, wallet.id, scope)
    if cached:
        response = await request(cached)
        if response.status_code != 402:
            return _result(response, paid=False, cached=True, payment=None)
        await kit.credentials.forget(pool, wallet.id, scope)
    else:
        response = await request(None)
        if response.status_code != 402:
            return _result(response, paid=False, cached=False, payment=None)

    found = l402.find_challenge(response.headers.get_list("www-authenticate"))
    if found is None:
        return _result(response, paid=False, cached=False, payment=None)
    try:
        decoded = invoices.decode(found.invoice)
    except invoices.InvalidInvoice:
        raise Invalid("invalid_challenge", "The server's L402 invoice cannot be decoded.", field="url") from None
    if max_price_msat is not None and (decoded.amount_msat or 0) > max_price_msat:
        raise spend.PolicyRefusal(message=f"The price ({(decoded.amount_msat or 0) // 1000} sats) is over "
                                  f"max_price_sats.", reason="over_max_price",
                                  details={"price_msat": decoded.amount_msat})
    payment = await service.pay_invoice(pool, kit, auth, payment_request=found.invoice,
                                        payment_key=f"l402:{decoded.payment_hash}", host=parts.hostname,
                                        port=parts.port, memo=f"L402 {scope}", approved=approved)
    preimage = (payment.get("receipt") or {}).get("preimage")
    if payment["status"] != "succeeded" or not preimage:
        return {**_result(response, paid=False, cached=False, payment=payment)}
    authorization = l402.credential_header(found.macaroon, preimage)
    await kit.credentials.put(pool, wallet.id, scope, decoded.payment_hash, authorization,
                              _expiry_of(found.macaroon) or time.time() + 3600)
    retried = await request(authorization)
    return _result(retried, paid=True, cached=False, payment=payment)
