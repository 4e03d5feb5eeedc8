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
from openagents_server.errors import DomainError, Invalid, RateLimited, Unauthorized, Unavailable
from openagents_server.khala import codes, log

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


async def ingest(pool: asyncpg.Pool, svix_id: str, body: bytes, read_pool: asyncpg.Pool | None = None) -> str:
    """Apply one verified message; returns applied, ignored or duplicate. A payload that cannot be
    applied is recorded as failed with its retry state and refused (the sender retries)."""
    try:
        event_type, message_id, when, _ = _parse(body)
    except Unusable as exc:
        await repository.record_failure(pool, svix_id, "resend", None, None, body, str(exc), RETRY_BACKOFF_SECONDS)
        raise Invalid("unprocessable_event", f"The webhook payload cannot be applied: {exc}.") from None
    try:
        return await _apply(pool, read_pool or pool, svix_id, body, event_type, message_id, when)
    except Exception as exc:
        # Nothing was applied (the transaction rolled back); keep the failure and when to expect a retry.
        # A rate-limited notification topic is the usual cause: the sender retries with backoff.
        code = getattr(exc, "code", type(exc).__name__)
        await repository.record_failure(pool, svix_id, "resend", event_type, message_id, body, str(code),
                                        RETRY_BACKOFF_SECONDS)
        if isinstance(exc, DomainError):
            raise
        raise Unavailable("apply_failed", "The webhook could not be applied now; retry later.", retry_after=60) from exc


async def _apply(pool: asyncpg.Pool, read_pool: asyncpg.Pool, svix_id: str, body: bytes, event_type: str | None,
                 message_id: str | None, when: datetime | None) -> str:
    """Two round trips (ADR 0903): one read (a replay? whose delivery?) on the read pool, whose
    connections skip the reset round trip on release (services._keep_session_state), then one
    autocommitted statement that claims, advances and appends the owner's Khala event together."""
    context = await repository.webhook_context(read_pool, svix_id, message_id)
    if context.status in ("applied", "ignored"):
        return "duplicate"
    state = STATES.get(event_type or "") if message_id is not None else None
    rank = DELIVERY_RANK.get(state or "", 0)
    event = None
    if state is not None and context.user_id is not None and context.state_rank < rank:
        event = events.delivery_event(context.user_id, {
            "message_id": message_id, "to": context.to_address, "subject": context.subject, "state": state})
    try:
        row = await repository.apply_webhook(pool, svix_id, "resend", event_type, message_id, body, state, rank,
                                             when, event)
    except asyncpg.PostgresError as exc:
        if exc.sqlstate == "OA409":
            return "duplicate"  # a racing copy took the svix-id first; our advance was undone
        if exc.sqlstate == "OA429":
            raise RateLimited(codes.REASON_PUBLISH_RATE_LIMITED,
                              "The person's notifications topic is over its publish rate; retry later.",
                              retry_after=1) from None
        raise
    if row.outcome is None:
        return "duplicate"
    if row.outcome == "applied" and row.seq is not None and event is not None:
        log.notify_committed(pool, {event.topic.name: row.seq})
    return row.outcome


async def prune(conn: asyncpg.Connection, retention_days: int) -> int:
    """Drop raw bodies older than the retention; the idempotency record itself stays."""
    return await repository.prune_bodies(conn, retention_days)
