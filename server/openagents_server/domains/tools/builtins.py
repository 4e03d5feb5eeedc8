"""What each built-in tool does once the policy allowed it. A tool either returns its result (a JSON
object) or raises :class:`ToolFailed` with a stable code; domain refusals of the services it calls
(rate limits, blocks, a missing connection) become failures with their own code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.integrations import service as integrations
from openagents_server.domains.integrations.kit import IntegrationKit
from openagents_server.domains.payments import client as l402_client
from openagents_server.domains.payments.kit import LightningKit
from openagents_server.domains.social import service as social
from openagents_server.domains.tools import ssrf
from openagents_server.errors import DomainError


class ToolFailed(Exception):
    def __init__(self, code: str, message: str, reason_code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason_code = reason_code


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a tool acts with: the database, the autopilot owner's identity (whose name it posts in),
    the caller (whose invocation ids these are), the integrations kit (None where the app has none)
    the http.fetch allow-list (l402.fetch's targets pass the same check) and the lightning kit."""

    pool: asyncpg.Pool
    owner: AuthContext
    caller_id: str
    integrations: IntegrationKit | None
    http_allow: ssrf.AllowList
    #: The payments domain's kit (wallet backend, L402 credentials); None where the app has none.
    lightning: LightningKit | None = None


async def run(name: str, arguments: dict[str, Any], ctx: ToolContext, *, approved: bool = False) -> dict[str, Any]:
    """``approved``: the owner approved this very call (l402.fetch then pays a price the spend policy
    would otherwise send for approval)."""
    try:
        if name == "l402.fetch":
            return await _l402_fetch(arguments, ctx, approved)
        return await _TOOLS[name](arguments, ctx)
    except DomainError as exc:
        raise ToolFailed(exc.code, exc.message) from None


async def _noop(arguments: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    return {"echo": arguments["echo"]} if "echo" in arguments else {}


async def _http_fetch(arguments: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    try:
        return await ssrf.fetch(arguments["url"], method=arguments.get("method", "GET"),
                                max_bytes=arguments.get("max_bytes", ssrf.MAX_BYTES), allow=ctx.http_allow)
    except ssrf.FetchFailed as exc:
        raise ToolFailed(exc.code, str(exc)) from None
    except TimeoutError:
        raise ToolFailed("fetch_timeout", f"no complete answer within {ssrf.TIMEOUT_SECONDS:.0f} s") from None


async def _feed_post(arguments: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    shout, created = await social.create_shout(ctx.pool, ctx.owner, text=arguments["text"], zone=arguments.get("zone"))
    return {"shout_id": shout.id, "seq": shout.seq, "zone": shout.zone, "text": shout.text, "created": created}


async def _whisper_send(arguments: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    whisper = await social.send_whisper(ctx.pool, ctx.owner, recipient_id=arguments["recipient_id"],
                                        text=arguments["text"])
    return {"whisper_id": whisper.id, "recipient_id": whisper.recipient.id}


async def _email_send(arguments: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
    if ctx.integrations is None:
        raise ToolFailed("not_connected", "Email is not configured on this server.")
    delivery = await integrations.send_email(ctx.pool, ctx.integrations, ctx.owner.user_id, to=arguments["to"],
                                             subject=arguments["subject"], html="", text=arguments["text"])
    return {"message_id": delivery["message_id"], "to": delivery["to"], "state": delivery["state"]}


async def _l402_fetch(arguments: dict[str, Any], ctx: ToolContext, approved: bool = False) -> dict[str, Any]:
    """Through the payments domain's L402 client, in the autopilot owner's wallet and within its spend
    policy (allowed hosts, caps, daily budget, approval threshold; ``max_sats`` caps the price). The
    target passes http.fetch's SSRF check first. The result carries the wallet payment and its
    receipt hash, so the tool receipt (its result hash) binds the wallet's receipt."""
    if ctx.lightning is None:
        raise ToolFailed("tool_not_available", "Payments are not configured on this server.")
    await ssrf.check(arguments["url"], ctx.http_allow)  # raises ssrf.Blocked: a denial with its reason
    max_sats = arguments.get("max_sats")
    try:
        fetched = await l402_client.fetch(ctx.pool, ctx.lightning, ctx.owner, url=arguments["url"], method="GET",
                                          max_price_msat=max_sats * 1000 if max_sats else None, approved=approved)
    except DomainError as exc:  # spend policy (reason: host_not_allowed, over_max_price, …), no wallet, upstream
        raise ToolFailed(exc.reason or exc.code, exc.message) from None
    payment = fetched["payment"]
    return {"url": arguments["url"], "status": fetched["status"], "content_type": fetched["headers"].get("content-type", ""),
            "body": fetched["body"], "truncated": fetched["truncated"], "paid": fetched["paid"],
            "used_cached_credential": fetched["used_cached_credential"],
            "payment": None if payment is None else {
                "id": payment["id"], "status": payment["status"], "amount_sats": payment["amount_sats"],
                "fee_msat": payment.get("fee_msat"), "payment_hash": payment["payment_hash"],
                "receipt_sha256": payment.get("receipt_sha256")}}


_TOOLS = {"noop": _noop, "http.fetch": _http_fetch, "feed.post": _feed_post, "whisper.send": _whisper_send,
          "email.send": _email_send}
