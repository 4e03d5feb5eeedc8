"""Sign-in: request a code, verify it with the provider, mirror the user, open a device session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from openagents_server import rate_limit
from openagents_server.audit import audit
from openagents_server.domains.identity import sign_in_guard
from openagents_server.domains.identity.credential_cache import CredentialCache, invalidate
from openagents_server.domains.identity.credentials import email_hint, new_id
from openagents_server.domains.identity.providers import IdentityProvider, ProviderError, ProviderIdentity
from openagents_server.domains.identity.repositories import challenges, users
from openagents_server.domains.identity.repositories.users import User
from openagents_server.domains.identity.sessions import IssuedSession, start_session
from openagents_server.domains.orgs import service as org_service
from openagents_server.errors import Conflict, DomainError, Invalid

#: Wrong codes allowed per challenge before it is burnt (then the user asks for a new code).
MAX_ATTEMPTS = 5
#: One code request in this many also deletes challenges older than a day.
_PRUNE_ONE_IN = 200


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    provider: str
    email: str
    expires_at: datetime
    pending_provider_user_id: str | None


@dataclass(frozen=True)
class SignIn:
    user: User
    new_user: bool
    session: IssuedSession


@dataclass(frozen=True)
class ClientInfo:
    ip_address: str | None
    user_agent: str | None
    device_id: str
    client_kind: str


def provider_failure(exc: ProviderError) -> DomainError:
    field = "code" if exc.code in ("invalid_code", "code_expired") else None
    return exc.kind(exc.code, exc.message, field=field, retry_after=exc.retry_after)


async def request_code(pool: asyncpg.Pool, provider: IdentityProvider, email: str, client: ClientInfo) -> Challenge:
    # Per email, from any address: each code is five more guesses and an email in someone's inbox.
    await rate_limit.enforce(pool, rate_limit.CODES_PER_EMAIL, email)
    async with pool.acquire() as conn:
        try:
            sent = await provider.send_code(conn, email, ip_address=client.ip_address, user_agent=client.user_agent)
        except ProviderError as exc:
            await audit(conn, "auth.challenge.requested", outcome="failure",
                        attributes={"email_hint": email_hint(email), "provider": provider.name, "error": exc.code})
            raise provider_failure(exc) from None
        challenge_id = new_id("chal")
        if secrets.randbelow(_PRUNE_ONE_IN) == 0:
            await challenges.prune(conn)
        async with conn.transaction():
            await challenges.insert(conn, challenge_id, email, provider.name, sent.provider_challenge_id,
                                    sent.pending_provider_user_id, sent.local_code, sent.expires_at)
            await audit(conn, "auth.challenge.requested", device_id=client.device_id,
                        attributes={"email_hint": email_hint(email), "provider": provider.name,
                                    "challenge_id": challenge_id})
    return Challenge(challenge_id, provider.name, email, sent.expires_at, sent.pending_provider_user_id)


async def verify_code(pool: asyncpg.Pool, provider: IdentityProvider, cache: CredentialCache, *, email: str, code: str,
                      challenge_id: str | None, client: ClientInfo) -> SignIn:
    async with pool.acquire() as conn:
        # 0. The email's own ceiling, across challenges and addresses (sign_in_guard): counted first.
        async with conn.transaction():
            await sign_in_guard.attempt(conn, email)
        guessed: list[bool] = []
        try:
            return await _verify_counted(conn, provider, cache, email=email, code=code, challenge_id=challenge_id,
                                         client=client, guessed=guessed)
        except DomainError as exc:
            provider_refused = exc.code in ("invalid_code", "too_many_attempts")
            if not (guessed and provider_refused):
                # No code was compared (no open challenge, expired, provider down …): not a guess.
                await sign_in_guard.refund(conn, email)
            raise


async def _verify_counted(conn: asyncpg.Connection, provider: IdentityProvider, cache: CredentialCache, *, email: str,
                          code: str, challenge_id: str | None, client: ClientInfo, guessed: list[bool]) -> SignIn:
    # 1. Count the attempt in its own transaction, so a wrong code still uses one up.
    async with conn.transaction():
        challenge = await _open_challenge(conn, email, challenge_id)
        attempts = await challenges.count_attempt(conn, challenge.id)
    guessed.append(True)  # from here on, a refusal answers a guess at this challenge's code
    if attempts > MAX_ATTEMPTS:
        await audit(conn, "auth.verify.failed", outcome="denied", device_id=client.device_id,
                    attributes={"reason": "too_many_attempts", "challenge_id": challenge.id})
        raise Invalid("too_many_attempts", "Too many wrong codes. Request a new code.", field="code")
    # 2. Ask the provider (network; no transaction held open meanwhile).
    try:
        identity = await provider.verify_code(
            conn, email, code, challenge=challenge, ip_address=client.ip_address,
            user_agent=client.user_agent, device_id=client.device_id,
        )
    except ProviderError as exc:
        await audit(conn, "auth.verify.failed", outcome="failure", device_id=client.device_id,
                    attributes={"reason": exc.code, "challenge_id": challenge.id})
        raise provider_failure(exc) from None
    # 3. Consume the challenge, mirror the user, open the session: all or nothing.
    async with conn.transaction():
        locked = await challenges.get_for_update(conn, challenge.id)
        if locked is None or locked.consumed_at is not None:
            raise _invalid_code("This code was already used.")
        await challenges.consume(conn, challenge.id)
        await sign_in_guard.succeeded(conn, email)
        user, new_user = await mirror_user(conn, cache, provider.name, identity)
        session = await open_session(conn, cache, user.id, client)
        await audit(conn, "auth.verify.completed", user_id=user.id, session_id=session.session_id,
                    org_id=session.active_org_id, device_id=client.device_id,
                    attributes={"provider": provider.name, "new_user": new_user,
                                "client_kind": client.client_kind})
    return SignIn(user, new_user, session)


async def register(pool: asyncpg.Pool, provider: IdentityProvider, cache: CredentialCache, *, email: str, name: str | None,
                   client: ClientInfo) -> SignIn:
    async with pool.acquire() as conn:
        if await users.get_by_email(conn, email) is not None:
            raise Conflict("conflict", "An account with this email already exists.", field="email")
        try:
            identity = await provider.create_user(email, name)
        except ProviderError as exc:
            raise provider_failure(exc) from None
        async with conn.transaction():
            if await users.get_by_email(conn, email) is not None:
                raise Conflict("conflict", "An account with this email already exists.")
            user, _ = await mirror_user(conn, cache, provider.name, identity)
            session = await open_session(conn, cache, user.id, client)
            await audit(conn, "auth.register.completed", user_id=user.id, session_id=session.session_id,
                        device_id=client.device_id, attributes={"provider": provider.name})
    return SignIn(user, True, session)


async def open_session(conn: asyncpg.Connection, cache: CredentialCache, user_id: str, client: ClientInfo) -> IssuedSession:
    return await start_session(conn, cache, user_id=user_id, device_id=client.device_id, client_kind=client.client_kind,
                               user_agent=client.user_agent, ip_address=client.ip_address)


async def mirror_user(conn: asyncpg.Connection, cache: CredentialCache, provider: str,
                      identity: ProviderIdentity) -> tuple[User, bool]:
    """Find or create our row for the provider's user. The provider is the authority for the email."""
    user = await users.get_by_provider_id(conn, provider, identity.provider_user_id)
    if user is not None:
        if user.email != identity.email or (identity.name and identity.name != user.name):
            user = await users.update_identity(conn, user.id, identity.email, identity.name)
            await invalidate(conn, cache, user_id=user.id)
        return user, False
    existing = await users.get_by_email(conn, identity.email)
    if existing is not None:
        # Same verified email under another provider id (e.g. moved from local to WorkOS): relink.
        return await users.relink(conn, existing.id, provider, identity.provider_user_id), False
    user_id = new_id("usr")
    user = await users.insert(conn, user_id, provider, identity.provider_user_id, identity.email, identity.name)
    await org_service.create_personal_org(conn, user_id)
    return user, True


async def _open_challenge(conn: asyncpg.Connection, email: str, challenge_id: str | None) -> challenges.Challenge:
    if challenge_id:
        challenge = await challenges.get_for_update(conn, challenge_id)
    else:
        challenge = await challenges.latest_open_for_update(conn, email)
    if challenge is None or challenge.email != email or challenge.consumed_at is not None:
        raise _invalid_code("No pending code for this email. Request a new code.")
    if challenge.expires_at <= datetime.now(UTC):
        raise Invalid("code_expired", "The code has expired. Request a new one.", field="code")
    return challenge


def _invalid_code(message: str) -> Invalid:
    return Invalid("invalid_code", message, field="code")


def new_browser_device_id() -> str:
    return "browser:" + secrets.token_hex(16)
