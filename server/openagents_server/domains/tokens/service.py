"""Personal access tokens: created by a signed-in user, shown once, revocable one by one or all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from openagents_server.audit import audit
from openagents_server.domains.identity import problems, security_events
from openagents_server.domains.identity.context import ABILITIES, AuthContext
from openagents_server.domains.identity.credential_cache import CredentialCache
from openagents_server.domains.identity.credentials import PAT_PREFIX, new_id, new_token, token_hash
from openagents_server.domains.identity.sessions import lock_credentials
from openagents_server.domains.tokens import repository as access_tokens
from openagents_server.domains.tokens.repository import TokenLookup, TokenRecord
from openagents_server.khala.revocation import revoke_sessions

#: A user with more live tokens than this is almost certainly leaking them; refuse more.
MAX_TOKENS_PER_USER = 100


def token_view(token: TokenRecord) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "abilities": list(token.abilities),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "created_at": token.created_at.isoformat(),
    }


async def create(conn: asyncpg.Connection, auth: AuthContext, *, name: str, abilities: list[str],
                 expires_at: datetime | None) -> dict[str, Any]:
    unknown = sorted(set(abilities) - ABILITIES)
    if unknown:
        raise problems.invalid("abilities", f"unknown abilities: {', '.join(unknown)}; known: "
                               + ", ".join(sorted(ABILITIES)))
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise problems.invalid("expires_at", "expires_at needs a timezone (e.g. 2030-01-01T00:00:00Z)")
        if expires_at <= datetime.now(UTC):
            raise problems.invalid("expires_at", "expires_at must be in the future")
    async with conn.transaction():
        count = await access_tokens.count_for_user(conn, auth.user_id)
        if count >= MAX_TOKENS_PER_USER:
            raise problems.invalid("name", f"at most {MAX_TOKENS_PER_USER} tokens per user; delete some first")
        plaintext = new_token(PAT_PREFIX)
        row = await access_tokens.insert(conn, new_id("pat"), auth.user_id, name, token_hash(plaintext),
                                         sorted(set(abilities)), expires_at)
        await audit(conn, "tokens.created", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"token_id": row.id, "abilities": list(row.abilities)})
        await security_events.token_created(conn, auth.user_id, row.id, name)
    # The plaintext is returned once, here, and never stored.
    return {**token_view(row), "token": plaintext}


async def list_tokens(conn: asyncpg.Connection, auth: AuthContext) -> list[dict[str, Any]]:
    return [token_view(r) for r in await access_tokens.list_for_user(conn, auth.user_id)]


async def delete(conn: asyncpg.Connection, cache: CredentialCache, auth: AuthContext, token_id: str | None) -> list[str]:
    """Delete one token (404 if not the caller's) or all (``token_id=None``); Khala drops their sockets."""
    async with conn.transaction():
        await lock_credentials(conn, auth.user_id)
        ids = await access_tokens.delete(conn, auth.user_id, token_id)
        if token_id is not None and not ids:
            raise problems.not_found("No such token.")
        if ids:
            await revoke_sessions(conn, ids, "token_revoked")  # NOTIFY also drops cached auth elsewhere
            cache.evict_credentials(ids)
            await audit(conn, "tokens.revoked", user_id=auth.user_id, session_id=auth.session_id,
                        attributes={"token_ids": ids})
            await security_events.tokens_revoked(conn, auth.user_id, ids)
    return ids


async def ids_for_user(conn: asyncpg.Connection, user_id: str) -> list[str]:
    return [t.id for t in await access_tokens.list_for_user(conn, user_id)]


async def by_hash(pool: asyncpg.Connection | asyncpg.Pool, key: bytes) -> TokenLookup | None:
    """The PAT with this hash, joined to its user and memberships (the credential lookup)."""
    return await access_tokens.by_hash(pool, key)


async def touch(pool: asyncpg.Connection | asyncpg.Pool, token_id: str) -> None:
    await access_tokens.touch(pool, token_id)
