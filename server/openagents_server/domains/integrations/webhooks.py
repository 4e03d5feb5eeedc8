"""Resend delivery webhooks: verified (Standard Webhooks / Svix signatures, 5-minute tolerance, any
of several signing secrets), applied exactly once per ``svix-id``, projected into delivery states
that never move backwards, failures kept with their retry state, raw bodies kept for a while."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from openagents_server.domains.integrations import events, repository
from openagents_server.domains.integrations.service import DELIVERY_RANK
from openagents_server.errors import Invalid, Unauthorized
from openagents_server.khala import log

#: Resend event type → delivery state. Other types (clicked, delivery_delayed …) are kept, not applied.
STATES = {"email.sent": "sent", "email.delivered": "delivered", "email.opened": "opened",
          "email.complained": "complained", "email.bounced": "bounced"}
#: First retry hint after a failed application; grows with each attempt.
RETRY_BACKOFF_SECONDS = 60
MAX_SVIX_ID = 200


class BadWebhook(Invalid):
    """Missing or unusable signature headers, or a timestamp outside the tolerance: 400 (Resend's
    "the request is malformed"), told apart from a signature that does not match (401)."""

    status = 400


def verify(verifiers: tuple[Webhook, ...], body: bytes, headers: Mapping[str, str]) -> str:
    """The message id once the signature checks out with one of the secrets; a refusal otherwise."""
    wanted = {}
    for name in ("id", "timestamp", "signature"):
        value = headers.get(f"svix-{name}") or headers.get(f"webhook-{name}")
        if not value:
            raise BadWebhook("missing_signature_headers", "svix-id, svix-timestamp and svix-signature are required.")
        wanted[f"webhook-{name}"] = value
    if len(wanted["webhook-id"]) > MAX_SVIX_ID:
        raise BadWebhook("invalid_signature_headers", "svix-id is too long.")
    last = "no signing secret is configured"
    for verifier in verifiers:
        try:
            verifier.verify(body, wanted, json_parse=False)
            return wanted["webhook-id"]
        except WebhookVerificationError as exc:
            last = str(exc)
            if "timestamp" in last.lower() or "headers" in last.lower():
                raise BadWebhook("stale_timestamp", "The webhook timestamp is invalid or more than 5 minutes away "
                              "from now.", reason=last) from None
    raise Unauthorized("invalid_signature", "The webhook signature does not match.", reason=last)


class Unusable(Exception):
    """A verified message whose payload cannot be applied."""


def _parse(body: bytes) -> tuple[str | None, str | None, datetime | None, dict[str, Any]]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise Unusable("body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise Unusable("payload has no type")
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    message_id = data.get("email_id")
    if payload["type"].startswith("email.") and not isinstance(message_id, str):
        raise Unusable("email event without data.email_id")
    when = None
    if isinstance(payload.get("created_at"), str):
        try:
            when = datetime.fromisoformat(payload["created_at"])
        except ValueError:
            raise Unusable("created_at is not an ISO timestamp") from None
    return payload["type"], message_id, when, data


async def ingest(pool: asyncpg.Pool, svix_id: str, body: bytes) -> str:
    """Apply one verified message; returns applied, ignored or duplicate. A payload that cannot be
    applied is recorded as failed with its retry state and refused (the sender retries)."""
    try:
        event_type, message_id, when, _ = _parse(body)
    except Unusable as exc:
        await repository.record_failure(pool, svix_id, "resend", None, None, body, str(exc), RETRY_BACKOFF_SECONDS)
        raise Invalid("unprocessable_event", f"The webhook payload cannot be applied: {exc}.") from None
    async with log.unit_of_work(pool) as conn:
        claimed = await repository.claim_event(conn, svix_id, "resend", event_type, message_id, body)
        if claimed is None:
            return "duplicate"
        state = STATES.get(event_type or "")
        if state is None or message_id is None:
            await repository.finish_event(conn, svix_id, "ignored")
            return "ignored"
        advanced = await repository.advance_delivery(conn, message_id, state, DELIVERY_RANK[state], when)
        if advanced is None:
            # Unknown message, or already at or past this state (an out-of-order event): kept, not applied.
            await repository.finish_event(conn, svix_id, "ignored")
            return "ignored"
        await events.delivery_changed(conn, advanced["user_id"], {
            "message_id": message_id, "to": advanced["to_address"], "subject": advanced["subject"],
            "state": advanced["state"]})
        await repository.finish_event(conn, svix_id, "applied")
    return "applied"


async def prune(conn: asyncpg.Connection, retention_days: int) -> int:
    """Drop raw bodies older than the retention; the idempotency record itself stays."""
    return await repository.prune_bodies(conn, retention_days)
