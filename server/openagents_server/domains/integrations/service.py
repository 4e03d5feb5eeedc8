"""Connecting, using and disconnecting a person's integrations. Secrets are sealed before they touch
the database (``crypto``), never logged, and never returned after creation: only a hint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from openagents_server import rate_limit
from openagents_server.audit import audit
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.integrations import events, repository
from openagents_server.domains.integrations.adapters.google import OAuthFailure
from openagents_server.domains.integrations.adapters.resend import ProviderError
from openagents_server.domains.integrations.crypto import Sealed, hint, row_context
from openagents_server.domains.integrations.kit import IntegrationKit
from openagents_server.errors import Conflict, Invalid, NotFound, Unavailable
from openagents_server.khala import log

_log = structlog.get_logger("openagents.integrations")
PROVIDERS = ("resend", "google")
#: An OAuth authorization must come back within this many seconds.
STATE_TTL_SECONDS = 600
#: Google access tokens are refreshed when less than this is left.
REFRESH_MARGIN = timedelta(seconds=120)
DELIVERY_LOG_LIMIT = 20
#: Delivery states and their order; a state never moves to a lower rank.
DELIVERY_RANK = {"sent": 1, "delivered": 2, "opened": 3, "complained": 4, "bounced": 5}
#: Per person: connecting asks Resend to check a key, a test email costs the person a send.
CONNECT_LIMIT = rate_limit.Limit("integrations_connect", 10, 60)
TEST_EMAIL_LIMIT = rate_limit.Limit("integrations_test_email", 10, 60)


class OAuthRefused(Exception):
    """A Google callback that stores nothing; ``reason`` is stable, ``message`` says why to a person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def view(row: repository.IntegrationRecord) -> dict[str, Any]:
    return {
        "provider": row.provider, "connected": True, "account_label": row.account_label,
        "secret_hint": row.secret_hint, "scopes": list(row.scopes), "connected_at": _iso(row.created_at),
        "last_used_at": _iso(row.last_used_at), "last_error": row.last_error,
        "last_error_at": _iso(row.last_error_at), "token_expires_at": _iso(row.token_expires_at),
    }


def delivery_view(row: repository.DeliveryRecord) -> dict[str, Any]:
    return {
        "message_id": row.message_id, "to": row.to_address, "subject": row.subject, "state": row.state,
        "last_event_at": _iso(row.last_event_at), "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


async def overview(conn: asyncpg.Connection, kit: IntegrationKit, user_id: str) -> dict[str, Any]:
    rows = {r.provider: view(r) for r in await repository.list_for_user(conn, user_id)}
    integrations = [rows.get(p, {"provider": p, "connected": False}) for p in PROVIDERS]
    deliveries = [delivery_view(r) for r in await repository.deliveries_for_user(conn, user_id, DELIVERY_LOG_LIMIT)]
    return {"integrations": integrations, "deliveries": deliveries, "topic": events.topic(user_id),
            "google_available": kit.google is not None}


def _seal(kit: IntegrationKit, integration_id: str, provider: str, secret: dict[str, Any]) -> Sealed:
    return kit.keyring.seal(json.dumps(secret).encode(), row_context(integration_id, provider))


def _open(kit: IntegrationKit, row: repository.IntegrationRecord) -> dict[str, Any]:
    sealed = Sealed(row.key_id, bytes(row.wrapped_key), bytes(row.ciphertext))
    return json.loads(kit.keyring.open(sealed, row_context(row.id, row.provider)))


# Resend


async def connect_resend(pool: asyncpg.Pool, kit: IntegrationKit, auth: AuthContext, api_key: str) -> dict[str, Any]:
    """Validate the key against Resend, then store it sealed; a reconnect replaces the old key."""
    await rate_limit.enforce(pool, CONNECT_LIMIT, auth.user_id)
    try:
        check = await kit.email.check_key(api_key)
    except ProviderError as exc:
        # Not stored, because not verified: a 422 at the field (the person retries), not a 5xx.
        raise Invalid("key_not_verified", f"Resend could not be reached to check this key ({exc.message}); "
                      "nothing was stored, try again.", field="api_key", reason="provider_unavailable",
                      retry_after=30) from None
    if not check.valid:
        async with pool.acquire() as conn:
            await audit(conn, "integrations.resend.connect_refused", outcome="failure", user_id=auth.user_id,
                        session_id=auth.session_id, attributes={"reason": "invalid_api_key"})
        raise Invalid("invalid_api_key", f"Resend refused this API key: {check.reason}", field="api_key")
    label = ("full access" if check.permission == "full_access" else "sending access") + (
        f" · {', '.join(check.domains[:3])}" if check.domains else "")
    integration_id = new_id("int")
    sealed = _seal(kit, integration_id, "resend", {"api_key": api_key})
    async with log.unit_of_work(pool) as conn:
        row = await repository.upsert(conn, integration_id, auth.user_id, "resend", label, hint(api_key),
                                      sealed.key_id, sealed.wrapped_key, sealed.ciphertext, [], None)
        await audit(conn, "integrations.resend.connected", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"integration_id": integration_id, "permission": check.permission})
        await events.connection_changed(conn, auth.user_id, "resend", True)
    return view(row)


async def send_test_email(pool: asyncpg.Pool, kit: IntegrationKit, auth: AuthContext, to: str | None) -> dict[str, Any]:
    await rate_limit.enforce(pool, TEST_EMAIL_LIMIT, auth.user_id)
    to = to or auth.email
    subject = "OpenAgents test email"
    result = await send_email(pool, kit, auth.user_id, to=to, subject=subject,
                              html="<p>Your Resend account is connected to OpenAgents.</p>",
                              text="Your Resend account is connected to OpenAgents.")
    async with pool.acquire() as conn:
        await audit(conn, "integrations.resend.test_sent", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"message_id": result["message_id"]})
    return result


async def send_email(pool: asyncpg.Pool, kit: IntegrationKit, user_id: str, *, to: str, subject: str, html: str,
                     text: str, sender: str | None = None) -> dict[str, Any]:
    """Send through the person's own Resend account and start tracking the delivery (autopilot tools
    call this too)."""
    async with pool.acquire() as conn:
        row = await repository.get(conn, user_id, "resend")
    if row is None:
        raise Conflict("not_connected", "Connect a Resend account first.")
    api_key = _open(kit, row)["api_key"]
    try:
        message_id = await kit.email.send(api_key, sender=sender or kit.test_from, to=to, subject=subject,
                                          html=html, text=text)
    except ProviderError as exc:
        await repository.mark_error(pool, row.id, f"{exc.reason}: {exc.message}"[:300])
        kind = Unavailable if exc.retryable else Invalid
        raise kind("provider_refused", f"Resend did not send the email: {exc.message}", reason=exc.reason) from None
    delivery = {"message_id": message_id, "to": to, "subject": subject, "state": "sent"}
    async with log.unit_of_work(pool) as conn:
        await repository.insert_delivery(conn, message_id, user_id, row.id, to, subject, "sent", DELIVERY_RANK["sent"])
        await repository.mark_used(conn, row.id)
        await repository.mark_error(conn, row.id, None)
        await events.delivery_changed(conn, user_id, delivery)
    return delivery


# Google


async def google_start(pool: asyncpg.Pool, kit: IntegrationKit, auth: AuthContext) -> str:
    google = _google(kit)
    authorization = google.authorization(kit.google_redirect_uri)
    async with pool.acquire() as conn:
        await repository.prune_states(conn, STATE_TTL_SECONDS * 6)
        await repository.insert_state(conn, authorization.state, auth.user_id, "google", authorization.code_verifier,
                                      kit.google_redirect_uri)
    return authorization.url


async def google_finish(pool: asyncpg.Pool, kit: IntegrationKit, auth: AuthContext, *, state: str, code: str,
                        error: str, error_description: str) -> dict[str, Any]:
    """Complete the authorization; raises :class:`OAuthRefused` (nothing stored) when anything is off."""
    google = _google(kit)
    if not state:
        raise OAuthRefused("missing_state", "The answer from Google carried no state, so it cannot be matched "
                           "to a connect request of yours. Start again from Settings → Integrations.")
    async with pool.acquire() as conn:
        pending = await repository.consume_state(conn, state[:200])
    refused = _state_problem(pending, auth.user_id)
    if refused:
        await _audit_refusal(pool, auth, refused.reason)
        raise refused
    if error:
        await _audit_refusal(pool, auth, "provider_error")
        detail = f" ({error_description})" if error_description else ""
        raise OAuthRefused("provider_error", f"Google did not grant access: {error}{detail}. Nothing was stored.")
    if not code:
        raise OAuthRefused("missing_code", "Google's answer carried no authorization code. Nothing was stored.")
    try:
        token = await google.exchange(code[:2048], pending.code_verifier, pending.redirect_uri)
        info = await google.userinfo(token["access_token"])
    except OAuthFailure as exc:
        await _audit_refusal(pool, auth, f"token_exchange:{exc.error}")
        raise OAuthRefused("token_exchange_refused", "Google refused to exchange the authorization code "
                           f"({exc.error}: {exc.description}); the PKCE verifier or the code did not match. "
                           "Nothing was stored.") from None
    secret = _token_secret(token)
    integration_id = new_id("int")
    sealed = _seal(kit, integration_id, "google", secret)
    scopes = str(token.get("scope") or "").split()
    async with log.unit_of_work(pool) as conn:
        row = await repository.upsert(conn, integration_id, auth.user_id, "google", str(info.get("email") or ""),
                                      hint(secret.get("refresh_token") or secret["access_token"]), sealed.key_id,
                                      sealed.wrapped_key, sealed.ciphertext, scopes, _expiry(secret))
        await audit(conn, "integrations.google.connected", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"integration_id": integration_id, "scopes": scopes})
        await events.connection_changed(conn, auth.user_id, "google", True)
    return view(row)


def _state_problem(pending: repository.OAuthState | None, user_id: str) -> OAuthRefused | None:
    again = " Start again from Settings → Integrations; nothing was stored."
    if pending is None:
        return OAuthRefused("unknown_state", "This connect link is not one we issued (unknown state)." + again)
    if pending.consumed_at is not None:
        return OAuthRefused("state_reused", "This connect link was already used (reused state)." + again)
    if pending.user_id != user_id:
        return OAuthRefused("state_other_user", "This connect link was started by another account." + again)
    if pending.age_seconds > STATE_TTL_SECONDS:
        return OAuthRefused("state_expired", "This connect link expired (after 10 minutes)." + again)
    return None


async def _audit_refusal(pool: asyncpg.Pool, auth: AuthContext, reason: str) -> None:
    async with pool.acquire() as conn:
        await audit(conn, "integrations.google.connect_refused", outcome="denied", user_id=auth.user_id,
                    session_id=auth.session_id, attributes={"reason": reason})


def _token_secret(token: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    expires_at = token.get("expires_at")
    if expires_at is None and token.get("expires_in") is not None:
        expires_at = datetime.now(UTC).timestamp() + float(token["expires_in"])
    return {
        "access_token": str(token["access_token"]),
        # Google sends the refresh token on the first grant only; a refresh keeps the old one.
        "refresh_token": str(token.get("refresh_token") or (previous or {}).get("refresh_token") or ""),
        "expires_at": float(expires_at) if expires_at is not None else None,
    }


def _expiry(secret: dict[str, Any]) -> datetime | None:
    return datetime.fromtimestamp(secret["expires_at"], UTC) if secret.get("expires_at") else None


def _google(kit: IntegrationKit) -> Any:
    if kit.google is None:
        raise NotFound("google_not_configured", "Google is not configured on this server "
                       "(OPENAGENTS_GOOGLE_CLIENT_ID and OPENAGENTS_GOOGLE_CLIENT_SECRET).")
    return kit.google


# Both


async def disconnect(pool: asyncpg.Pool, kit: IntegrationKit, auth: AuthContext, provider: str) -> dict[str, Any]:
    """Destroy the stored secret; for Google, revoke the grant at Google first (best effort)."""
    async with pool.acquire() as conn:
        row = await repository.get(conn, auth.user_id, provider)
    if row is None:
        raise NotFound("not_connected", f"No {provider} account is connected.")
    revoked: bool | None = None
    if provider == "google":
        secret = _open(kit, row)
        try:
            await _google(kit).revoke(secret.get("refresh_token") or secret["access_token"])
            revoked = True
        except OAuthFailure as exc:
            revoked = False
            _log.warning("google_revoke_failed", user_id=auth.user_id, error=exc.error)
    async with log.unit_of_work(pool) as conn:
        deleted = await repository.delete(conn, auth.user_id, provider)
        if deleted is None:
            raise NotFound("not_connected", f"No {provider} account is connected.")
        attributes: dict[str, Any] = {"integration_id": deleted.id}
        if revoked is not None:
            attributes["revoked_at_provider"] = revoked
        await audit(conn, f"integrations.{provider}.disconnected", user_id=auth.user_id, session_id=auth.session_id,
                    attributes=attributes)
        await events.connection_changed(conn, auth.user_id, provider, False)
    return {"provider": provider, "disconnected": True, "revoked_at_provider": revoked}


async def usable_secret(pool: asyncpg.Pool, kit: IntegrationKit, user_id: str, provider: str) -> tuple[str, dict[str, str]]:
    """The integration's id and the secret a worker may use now (Google: a fresh access token only)."""
    async with pool.acquire() as conn:
        row = await repository.get(conn, user_id, provider)
    if row is None:
        raise NotFound("not_connected", f"The run's owner has no {provider} account connected.")
    secret = _open(kit, row)
    if provider == "resend":
        async with pool.acquire() as conn:
            await repository.mark_used(conn, row.id)
        return row.id, {"api_key": secret["api_key"]}
    expires = _expiry(secret)
    if expires is None or expires - datetime.now(UTC) < REFRESH_MARGIN:
        secret = await _refresh_google(pool, kit, row, secret)
    else:
        async with pool.acquire() as conn:
            await repository.mark_used(conn, row.id)
    return row.id, {"access_token": secret["access_token"], "expires_at": _iso(_expiry(secret)) or ""}


async def _refresh_google(pool: asyncpg.Pool, kit: IntegrationKit, row: repository.IntegrationRecord, secret: dict[str, Any]) -> dict[str, Any]:
    if not secret.get("refresh_token"):
        raise Conflict("reconnect_required", "The Google grant has no refresh token; reconnect Google.")
    try:
        token = await _google(kit).refresh(secret["refresh_token"])
    except OAuthFailure as exc:
        await repository.mark_error(pool, row.id, f"refresh failed: {exc.error}")
        raise Unavailable("provider_refused", f"Google refused to refresh the token ({exc.error}).") from None
    fresh = _token_secret(token, secret)
    sealed = _seal(kit, row.id, "google", fresh)
    async with pool.acquire() as conn:
        await repository.replace_secret(conn, row.id, sealed.key_id, sealed.wrapped_key, sealed.ciphertext,
                                        _expiry(fresh))
        await repository.mark_used(conn, row.id)
        await repository.mark_error(conn, row.id, None)
    return fresh


# Keys


async def rotate_keys(conn: asyncpg.Connection, kit: IntegrationKit, batch: int = 100,
                      progress: Any = None) -> int:
    """Re-wrap every secret onto the active key; returns how many rows moved. Old keys must stay in the
    keyring until this reports nothing left (``remaining_on_old_keys``)."""
    moved = 0
    while True:
        rows = await repository.not_on_key(conn, kit.keyring.active_id, batch)
        if not rows:
            return moved
        for row in rows:
            sealed = Sealed(row.key_id, bytes(row.wrapped_key), bytes(row.ciphertext))
            fresh = kit.keyring.rewrap(sealed, row_context(row.id, row.provider))
            if await repository.rewrap(conn, row.id, row.key_id, fresh.key_id, fresh.wrapped_key):
                moved += 1
            if progress is not None:
                progress(1)


async def remaining_on_old_keys(conn: asyncpg.Connection, kit: IntegrationKit) -> int:
    return await repository.count_not_on_key(conn, kit.keyring.active_id)
