"""Integrations, OAuth states, email deliveries, webhook events and internal nonces: SQL only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec


class IntegrationRecord(msgspec.Struct, frozen=True):
    """A row of ``integrations``: the secret only sealed (``crypto``)."""

    id: str
    user_id: str
    provider: str
    account_label: str | None
    secret_hint: str
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes
    scopes: list[str]
    token_expires_at: datetime | None
    last_used_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SealedRow(msgspec.Struct, frozen=True):
    """What key rotation needs of an integration (:func:`not_on_key`)."""

    id: str
    provider: str
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes


class OAuthState(msgspec.Struct, frozen=True):
    """An OAuth state as it was before :func:`consume_state` (``consumed_at`` set: a replay)."""

    user_id: str
    provider: str
    code_verifier: str
    redirect_uri: str
    consumed_at: datetime | None
    age_seconds: float


class DeliveryRecord(msgspec.Struct, frozen=True):
    """A row of ``email_deliveries`` as the person's delivery log shows it."""

    message_id: str
    to_address: str
    subject: str
    state: str
    last_event_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WebhookContext(msgspec.Struct, frozen=True):
    """The svix-id's status (None: never seen) and the delivery it moves (all None: unknown message)."""

    status: str | None
    user_id: str | None
    to_address: str | None
    subject: str | None
    state_rank: int | None


class WebhookApplied(msgspec.Struct, frozen=True):
    """:func:`apply_webhook`'s outcome (None: a duplicate), the owner and the Khala seq appended."""

    outcome: str | None
    user_id: str | None
    seq: int | None


class EventApplied(msgspec.Struct, frozen=True):
    """:func:`apply_event`'s outcome (None: a duplicate) and the delivery it advanced (all None: none)."""

    outcome: str | None
    user_id: str | None
    to_address: str | None
    subject: str | None
    state: str | None


class WebhookFailure(msgspec.Struct, frozen=True):
    attempts: int
    next_retry_at: datetime | None


class WebhookEventRecord(msgspec.Struct, frozen=True):
    """A row of ``webhook_events``."""

    svix_id: str
    provider: str
    event_type: str | None
    message_id: str | None
    status: str
    attempts: int
    last_error: str | None
    next_retry_at: datetime | None
    raw_body: bytes | None
    received_at: datetime
    applied_at: datetime | None


_COLUMNS = ", ".join(IntegrationRecord.__struct_fields__)
_SEALED = ", ".join(SealedRow.__struct_fields__)
_DELIVERY = ", ".join(DeliveryRecord.__struct_fields__)
_EVENT = ", ".join(WebhookEventRecord.__struct_fields__)


async def upsert(conn: asyncpg.Connection, integration_id: str, user_id: str, provider: str, account_label: str | None,
                 secret_hint: str, key_id: str, wrapped_key: bytes, ciphertext: bytes, scopes: list[str],
                 token_expires_at: datetime | None) -> IntegrationRecord:
    row = await conn.fetchrow(
        f"""INSERT INTO integrations (id, user_id, provider, account_label, secret_hint, key_id, wrapped_key,
                                      ciphertext, scopes, token_expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (user_id, provider) DO UPDATE SET
                id = EXCLUDED.id, account_label = EXCLUDED.account_label, secret_hint = EXCLUDED.secret_hint,
                key_id = EXCLUDED.key_id, wrapped_key = EXCLUDED.wrapped_key, ciphertext = EXCLUDED.ciphertext,
                scopes = EXCLUDED.scopes, token_expires_at = EXCLUDED.token_expires_at, last_error = NULL,
                last_error_at = NULL, created_at = now(), updated_at = now()
            RETURNING {_COLUMNS}""",
        integration_id, user_id, provider, account_label, secret_hint, key_id, wrapped_key, ciphertext, scopes,
        token_expires_at,
    )
    return IntegrationRecord(*row)


async def get(conn: asyncpg.Connection, user_id: str, provider: str, *, for_update: bool = False) -> IntegrationRecord | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM integrations WHERE user_id = $1 AND provider = $2{lock}",
                              user_id, provider)
    return None if row is None else IntegrationRecord(*row)


async def list_for_user(conn: asyncpg.Connection, user_id: str) -> list[IntegrationRecord]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM integrations WHERE user_id = $1 ORDER BY provider", user_id)
    return [IntegrationRecord(*r) for r in rows]


async def delete(conn: asyncpg.Connection, user_id: str, provider: str) -> IntegrationRecord | None:
    row = await conn.fetchrow(
        f"DELETE FROM integrations WHERE user_id = $1 AND provider = $2 RETURNING {_COLUMNS}", user_id, provider)
    return None if row is None else IntegrationRecord(*row)


async def replace_secret(conn: asyncpg.Connection, integration_id: str, key_id: str, wrapped_key: bytes,
                         ciphertext: bytes, token_expires_at: datetime | None) -> None:
    await conn.execute(
        """UPDATE integrations SET key_id = $2, wrapped_key = $3, ciphertext = $4, token_expires_at = $5,
                  updated_at = now() WHERE id = $1""",
        integration_id, key_id, wrapped_key, ciphertext, token_expires_at,
    )


async def rewrap(conn: asyncpg.Connection, integration_id: str, old_key_id: str, key_id: str, wrapped_key: bytes) -> bool:
    """Re-wrap one row unless someone changed it meanwhile (its key id is still ``old_key_id``)."""
    status = await conn.execute(
        "UPDATE integrations SET key_id = $3, wrapped_key = $4 WHERE id = $1 AND key_id = $2",
        integration_id, old_key_id, key_id, wrapped_key,
    )
    return status.endswith(" 1")


async def not_on_key(conn: asyncpg.Connection, key_id: str, limit: int) -> list[SealedRow]:
    rows = await conn.fetch(
        f"SELECT {_SEALED} FROM integrations WHERE key_id <> $1 ORDER BY id LIMIT $2", key_id, limit)
    return [SealedRow(*r) for r in rows]


async def count_not_on_key(conn: asyncpg.Connection, key_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM integrations WHERE key_id <> $1", key_id)


async def mark_used(conn: asyncpg.Connection, integration_id: str) -> None:
    await conn.execute("UPDATE integrations SET last_used_at = now() WHERE id = $1", integration_id)


async def mark_error(conn: asyncpg.Connection | asyncpg.Pool, integration_id: str, message: str | None) -> None:
    await conn.execute(
        """UPDATE integrations SET last_error = $2, last_error_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END
           WHERE id = $1""", integration_id, message)


# OAuth states


async def insert_state(conn: asyncpg.Connection, state: str, user_id: str, provider: str, code_verifier: str,
                       redirect_uri: str) -> None:
    await conn.execute(
        """INSERT INTO integration_oauth_states (state, user_id, provider, code_verifier, redirect_uri)
           VALUES ($1, $2, $3, $4, $5)""", state, user_id, provider, code_verifier, redirect_uri)


async def consume_state(conn: asyncpg.Connection, state: str) -> OAuthState | None:
    """Mark the state used and return it as it was (``consumed_at`` set already means a replay)."""
    row = await conn.fetchrow(
        """UPDATE integration_oauth_states s SET consumed_at = coalesce(s.consumed_at, now())
           FROM integration_oauth_states old WHERE s.state = $1 AND old.state = s.state
           RETURNING old.user_id, old.provider, old.code_verifier, old.redirect_uri, old.consumed_at,
                     extract(epoch FROM now() - old.created_at)::float8 AS age_seconds""", state)
    return None if row is None else OAuthState(*row)


async def prune_states(conn: asyncpg.Connection, older_than_seconds: int) -> int:
    status = await conn.execute(
        "DELETE FROM integration_oauth_states WHERE created_at < now() - make_interval(secs => $1)", older_than_seconds)
    return int(status.split()[-1])


# Deliveries


async def insert_delivery(conn: asyncpg.Connection, message_id: str, user_id: str, integration_id: str, to: str,
                          subject: str, state: str, rank: int) -> None:
    await conn.execute(
        """INSERT INTO email_deliveries (message_id, user_id, integration_id, to_address, subject, state, state_rank)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING""",
        message_id, user_id, integration_id, to, subject, state, rank)


async def delivery_owner(conn: asyncpg.Connection, message_id: str) -> str | None:
    return await conn.fetchval("SELECT user_id FROM email_deliveries WHERE message_id = $1", message_id)


async def deliveries_for_user(conn: asyncpg.Connection, user_id: str, limit: int) -> list[DeliveryRecord]:
    rows = await conn.fetch(
        f"""SELECT {_DELIVERY} FROM email_deliveries WHERE user_id = $1
            ORDER BY created_at DESC, message_id LIMIT $2""", user_id, limit)
    return [DeliveryRecord(*r) for r in rows]


# Webhook events


async def event_status(conn: asyncpg.Connection | asyncpg.Pool, svix_id: str) -> str | None:
    return await conn.fetchval("SELECT status FROM webhook_events WHERE svix_id = $1", svix_id)


async def webhook_context(conn: asyncpg.Connection | asyncpg.Pool, svix_id: str,
                          message_id: str | None) -> WebhookContext:
    """One read before applying: the svix-id's status (a replay?) and the delivery it moves (its owner,
    recipient and subject never change, so the Khala event can be prepared from them)."""
    row = await conn.fetchrow(
        """SELECT (SELECT status FROM webhook_events WHERE svix_id = $1) AS status,
                  d.user_id, d.to_address, d.subject, d.state_rank
           FROM (SELECT 1) AS one LEFT JOIN email_deliveries d ON d.message_id = $2""",
        svix_id, message_id)
    return WebhookContext(*row)


async def apply_webhook(conn: asyncpg.Connection | asyncpg.Pool, svix_id: str, provider: str, event_type: str | None,
                        message_id: str | None, raw_body: bytes, state: str | None, rank: int,
                        event_at: datetime | None, event: Any) -> WebhookApplied:
    """``apply_event`` and the owner's Khala append as one autocommitted statement (migration 0903).
    ``event`` is a ``khala.log.Prepared`` or None (nothing to append)."""
    row = await conn.fetchrow(
        "SELECT outcome, user_id, seq FROM integrations_apply_webhook("
        "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        svix_id, provider, event_type, message_id, raw_body, state, rank, event_at,
        event.topic.name if event else None, event.topic.topic_class.name if event else None,
        event.kind if event else None, event.doc_key if event else None, event.body if event else None,
        event.digest if event else None, event.rate_limit if event else None)
    return WebhookApplied(*row)


async def apply_event(conn: asyncpg.Connection, svix_id: str, provider: str, event_type: str | None,
                      message_id: str | None, raw_body: bytes, state: str | None, rank: int,
                      event_at: datetime | None) -> EventApplied:
    """Claim the message and advance its delivery in one statement.

    ``outcome`` is applied, ignored (nothing to advance: unknown message, or already at or past the
    state) or NULL: the svix-id was taken before (a duplicate; only a failed one is taken again). The
    delivery only moves while its rank is lower, so a racing duplicate finds nothing left to advance.
    """
    row = await conn.fetchrow(
        """WITH adv AS (
               UPDATE email_deliveries d SET state = $6, state_rank = $7, last_event_at = $8, updated_at = now()
               WHERE $6::text IS NOT NULL AND d.message_id = $4 AND d.state_rank < $7
                 AND NOT EXISTS (SELECT 1 FROM webhook_events w WHERE w.svix_id = $1 AND w.status <> 'failed')
               RETURNING d.user_id, d.to_address, d.subject, d.state
           ), claim AS (
               INSERT INTO webhook_events (svix_id, provider, event_type, message_id, status, raw_body, applied_at)
               SELECT $1, $2, $3, $4, CASE WHEN EXISTS (SELECT 1 FROM adv) THEN 'applied' ELSE 'ignored' END, $5, now()
               ON CONFLICT (svix_id) DO UPDATE SET status = EXCLUDED.status, attempts = webhook_events.attempts + 1,
                   raw_body = EXCLUDED.raw_body, last_error = NULL, next_retry_at = NULL, applied_at = now()
                   WHERE webhook_events.status = 'failed'
               RETURNING status
           )
           SELECT (SELECT status FROM claim) AS outcome, adv.user_id, adv.to_address, adv.subject, adv.state
           FROM (SELECT 1) AS one LEFT JOIN adv ON true""",
        svix_id, provider, event_type, message_id, raw_body, state, rank, event_at)
    return EventApplied(*row)


async def record_failure(conn: asyncpg.Connection | asyncpg.Pool, svix_id: str, provider: str, event_type: str | None,
                         message_id: str | None, raw_body: bytes, error: str, backoff_seconds: int) -> WebhookFailure | None:
    """Record a failed attempt (None: the event was applied meanwhile, nothing changes)."""
    row = await conn.fetchrow(
        """INSERT INTO webhook_events (svix_id, provider, event_type, message_id, status, raw_body, last_error,
                                       next_retry_at)
           VALUES ($1, $2, $3, $4, 'failed', $5, $6, now() + make_interval(secs => $7))
           ON CONFLICT (svix_id) DO UPDATE SET status = 'failed', last_error = EXCLUDED.last_error,
               next_retry_at = now() + make_interval(secs => $7 * webhook_events.attempts),
               attempts = webhook_events.attempts + CASE WHEN webhook_events.status = 'failed' THEN 1 ELSE 0 END
               WHERE webhook_events.status <> 'applied'
           RETURNING attempts, next_retry_at""",
        svix_id, provider, event_type, message_id, raw_body, error[:500], backoff_seconds)
    return None if row is None else WebhookFailure(*row)


async def event(conn: asyncpg.Connection, svix_id: str) -> WebhookEventRecord | None:
    row = await conn.fetchrow(f"SELECT {_EVENT} FROM webhook_events WHERE svix_id = $1", svix_id)
    return None if row is None else WebhookEventRecord(*row)


async def prune_bodies(conn: asyncpg.Connection, older_than_days: int) -> int:
    status = await conn.execute(
        """UPDATE webhook_events SET raw_body = NULL
           WHERE raw_body IS NOT NULL AND received_at < now() - make_interval(days => $1)""", older_than_days)
    return int(status.split()[-1])


# Internal call nonces


async def remember_nonce(conn: asyncpg.Connection | asyncpg.Pool, nonce: str, key_id: str) -> bool:
    """True the first time ``nonce`` is seen."""
    return await conn.fetchval(
        "INSERT INTO internal_request_nonces (nonce, key_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
        nonce, key_id) is True


async def prune_nonces(conn: asyncpg.Connection | asyncpg.Pool, older_than_seconds: int) -> int:
    status = await conn.execute(
        "DELETE FROM internal_request_nonces WHERE seen_at < now() - make_interval(secs => $1)", older_than_seconds)
    return int(status.split()[-1])


# Runtime runs (owned by the runtime domain; read only if its table exists)
