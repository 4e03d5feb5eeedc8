"""Device sessions: open, refresh with rotation and replay detection, revoke (and evict from Khala).

Rules (ARCHITECTURE §5, ADR 0200):
* one active session per (user, device): opening a new one revokes the old (``device_replaced``);
* refresh always rotates both tokens; presenting a rotated refresh token again is a replay: the
  session is revoked (``token_replay``) and the caller must sign in again;
* every revocation also calls :func:`revoke_sessions`, in the same transaction, so Khala closes the
  session's sockets and refuses its sync tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from openagents_proto.control.domain import RevokeReason

from openagents_server.audit import audit
from openagents_server.domains.identity import problems, security_events
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credential_cache import CredentialCache, invalidate
from openagents_server.domains.identity.credentials import (
    ACCESS_PREFIX,
    ACCESS_TTL_SECONDS,
    MAX_TOKEN_LENGTH,
    REFRESH_PREFIX,
    REFRESH_TTL_SECONDS,
    csrf_matches,
    new_id,
    new_token,
    token_hash,
)
from openagents_server.domains.identity.repositories import sessions, users
from openagents_server.domains.identity.repositories.sessions import RefreshLookup
from openagents_server.domains.orgs import service as org_service
from openagents_server.errors import Conflict, DomainError
from openagents_server.khala.revocation import revoke_sessions

#: Revocation reasons (the contract's RevokeReason), recorded on the session and sent to Khala.
LOGOUT = USER_REVOKED = RevokeReason.USER_LOGOUT  # signing out here, or another session of the user's
DEVICE_REPLACED = RevokeReason.DEVICE_REPLACED
TOKEN_REPLAY = RevokeReason.TOKEN_REPLAY
REFRESH_EXPIRED = RevokeReason.REFRESH_TOKEN_EXPIRED
USER_DELETED = RevokeReason.USER_DELETED


@dataclass(frozen=True)
class IssuedSession:
    session_id: str
    user_id: str
    device_id: str
    client_kind: str
    active_org_id: str | None
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_token_id: str
    refresh_expires_at: datetime
    replaced_refresh_token_id: str | None = None


async def start_session(conn: asyncpg.Connection, cache: CredentialCache, *, user_id: str, device_id: str, client_kind: str,
                        user_agent: str | None, ip_address: str | None) -> IssuedSession:
    """Open a session inside the caller's transaction, replacing the device's previous one."""
    for attempt in range(3):
        try:
            async with conn.transaction():  # savepoint: a concurrent login on this device → retry
                await revoke(conn, cache, user_id=user_id, reason=DEVICE_REPLACED, device_id=device_id)
                issued = await _insert_session(conn, user_id, device_id, client_kind, user_agent, ip_address)
            await security_events.signed_in(conn, user_id, issued.session_id, client_kind, user_agent, ip_address)
            return issued
        except asyncpg.UniqueViolationError:
            if attempt == 2:
                raise Conflict("conflict", "Another sign-in on this device is in progress.") from None
    raise AssertionError("unreachable")


async def _insert_session(conn: asyncpg.Connection, user_id: str, device_id: str, client_kind: str,
                          user_agent: str | None, ip_address: str | None) -> IssuedSession:
    now = datetime.now(UTC)
    session_id = new_id("sess")
    access, refresh, refresh_id = new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX), new_id("rft")
    org_id = await org_service.default_org_id(conn, user_id)
    access_expires = now + timedelta(seconds=ACCESS_TTL_SECONDS)
    refresh_expires = now + timedelta(seconds=REFRESH_TTL_SECONDS)
    await sessions.insert(conn, session_id=session_id, user_id=user_id, device_id=device_id,
                          client_kind=client_kind, active_org_id=org_id, access_hash=token_hash(access),
                          access_expires_at=access_expires, user_agent=user_agent, ip_address=ip_address)
    await sessions.insert_refresh(conn, refresh_id, session_id, token_hash(refresh), refresh_expires)
    return IssuedSession(session_id, user_id, device_id, client_kind, org_id, access, access_expires,
                         refresh, refresh_id, refresh_expires)


async def refresh(pool: asyncpg.Pool, cache: CredentialCache, refresh_token: str, *, device_id: str | None,
                  csrf: tuple[str, str | None] | None = None) -> IssuedSession:
    """Rotate the session's tokens. A replayed (already rotated) token revokes the whole session.

    ``csrf`` is ``(secret, presented header)`` when the refresh token came from the browser cookie.
    """
    if not refresh_token.startswith(REFRESH_PREFIX) or len(refresh_token) > MAX_TOKEN_LENGTH:
        raise problems.unauthorized("Invalid refresh token.", "invalid_refresh_token")
    failure: DomainError | None = None
    issued: IssuedSession | None = None
    async with pool.acquire() as conn, conn.transaction():
        row = await sessions.refresh_for_update(conn, token_hash(refresh_token))
        if row is None:
            failure = problems.unauthorized("Invalid refresh token.", "invalid_refresh_token")
        elif csrf is not None and not csrf_matches(csrf[0], row.session_id, csrf[1]):
            failure = problems.forbidden("Missing or invalid CSRF token (send the x-csrf-token header).",
                                         "csrf_failed")
        elif row.session_status != "active":
            failure = problems.reauth_required(row.revoked_reason or "session_revoked")
        elif row.refresh_status == "rotated":
            # The token was already exchanged: someone holds a copy. End the session for everyone.
            await revoke(conn, cache, user_id=row.user_id, reason=TOKEN_REPLAY, session_ids=[row.session_id])
            await audit(conn, "auth.refresh.replay_detected", outcome="denied", user_id=row.user_id,
                        session_id=row.session_id, device_id=row.device_id)
            failure = problems.reauth_required(TOKEN_REPLAY, "Refresh token was already used; sign in again.")
        elif row.refresh_status != "active":
            failure = problems.reauth_required("session_revoked")
        elif not row.refresh_valid:
            await revoke(conn, cache, user_id=row.user_id, reason=REFRESH_EXPIRED, session_ids=[row.session_id],
                         status="expired")
            failure = problems.reauth_required(REFRESH_EXPIRED, "Session expired; sign in again.")
        elif device_id is not None and device_id != row.device_id:
            await audit(conn, "auth.refresh.denied", outcome="denied", user_id=row.user_id,
                        session_id=row.session_id, device_id=device_id, attributes={"reason": "device_mismatch"})
            failure = problems.unauthorized("This refresh token belongs to another device.", "device_mismatch")
        else:
            issued = await _rotate(conn, cache, row)
            await audit(conn, "auth.refresh.completed", user_id=row.user_id, session_id=row.session_id,
                        device_id=row.device_id, attributes={"refresh_token_id": issued.refresh_token_id})
    # Raised after commit, so the revocation above is durable even though the caller gets an error.
    if failure is not None:
        raise failure
    assert issued is not None
    return issued


async def _rotate(conn: asyncpg.Connection, cache: CredentialCache, row: RefreshLookup) -> IssuedSession:
    now = datetime.now(UTC)
    access, refresh_token, refresh_id = new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX), new_id("rft")
    access_expires = now + timedelta(seconds=ACCESS_TTL_SECONDS)
    refresh_expires = now + timedelta(seconds=REFRESH_TTL_SECONDS)
    await sessions.rotate(conn, session_id=row.session_id, old_refresh_id=row.refresh_id,
                          new_refresh_id=refresh_id, new_refresh_hash=token_hash(refresh_token),
                          refresh_expires_at=refresh_expires, access_hash=token_hash(access),
                          access_expires_at=access_expires)
    await invalidate(conn, cache, credential_id=row.session_id)  # the old access token must stop working now
    current = await sessions.get(conn, row.session_id)
    return IssuedSession(row.session_id, row.user_id, row.device_id, row.client_kind,
                         current.active_org_id, access, access_expires, refresh_token, refresh_id,
                         refresh_expires, replaced_refresh_token_id=row.refresh_id)


async def revoke(conn: asyncpg.Connection, cache: CredentialCache, *, user_id: str, reason: str, session_ids: list[str] | None = None,
                 device_id: str | None = None, except_session_id: str | None = None,
                 status: str = "revoked") -> list[str]:
    """Revoke matching active sessions of the user and evict them from Khala (same transaction)."""
    ids = await sessions.revoke(conn, user_id=user_id, reason=reason, session_ids=session_ids,
                                device_id=device_id, except_session_id=except_session_id, status=status)
    if ids:
        await revoke_sessions(conn, ids, reason)  # NOTIFY: Khala closes sockets, workers drop cached auth
        cache.evict_credentials(ids)
        await audit(conn, "auth.sessions.revoked", user_id=user_id, device_id=device_id,
                    attributes={"reason": reason, "session_ids": ids})
        if reason == USER_REVOKED:
            await security_events.sessions_revoked(conn, user_id, ids)
    return ids


async def lock_credentials(conn: asyncpg.Connection, user_id: str) -> None:
    """Take the person's credentials lock for this transaction (ADR 0204; ``users.lock_credentials``):
    account deletion, token deletion and :func:`revoke_on_request` take it first, so they queue."""
    await users.lock_credentials(conn, user_id)


async def revoke_on_request(conn: asyncpg.Connection, cache: CredentialCache, *, user_id: str, reason: str,
                            session_ids: list[str] | None = None, device_id: str | None = None,
                            except_session_id: str | None = None) -> list[str]:
    """:func:`revoke` for a request that may revoke several sessions at once (the person's own, or an
    operator's): it first takes the person's credentials lock, as account and token deletion do, so the
    three queue instead of deadlocking (``users.lock_credentials``). Sign-in and refresh, which revoke
    one session they already hold, do not need it."""
    await lock_credentials(conn, user_id)
    return await revoke(conn, cache, user_id=user_id, reason=reason, session_ids=session_ids, device_id=device_id,
                        except_session_id=except_session_id)


async def set_active_org(conn: asyncpg.Connection, cache: CredentialCache, auth: AuthContext, org_id: str) -> dict[str, Any]:
    membership = await org_service.membership(conn, auth.user_id, org_id)
    if membership is None:
        await audit(conn, "orgs.active.denied", outcome="denied", user_id=auth.user_id,
                    session_id=auth.session_id, org_id=org_id)
        raise problems.forbidden("You are not a member of this org.", "not_a_member")
    async with conn.transaction():
        await sessions.set_active_org(conn, auth.session_id or "", org_id)
        await invalidate(conn, cache, credential_id=auth.session_id)
        await audit(conn, "orgs.active.changed", user_id=auth.user_id, session_id=auth.session_id, org_id=org_id)
    return {"active_org_id": org_id, "membership": org_service.membership_view(membership)}
