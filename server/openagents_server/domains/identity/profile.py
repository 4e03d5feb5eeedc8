"""The signed-in user's profile: read, rename, delete (which ends every credential)."""

from __future__ import annotations

from typing import Any

import asyncpg

from openagents_server.audit import audit
from openagents_server.domains.identity import problems
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credential_cache import CredentialCache, invalidate
from openagents_server.domains.identity.repositories import challenges, sessions, users
from openagents_server.domains.identity.repositories.users import User
from openagents_server.domains.identity.sessions import USER_DELETED
from openagents_server.domains.tokens import service as token_service
from openagents_server.khala.revocation import revoke_sessions


def profile_view(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "identity": {"provider": user.provider, "provider_user_id": user.provider_user_id},
        "created_at": user.created_at.isoformat(),
        "updated_at": user.updated_at.isoformat(),
    }


async def get(conn: asyncpg.Connection, auth: AuthContext) -> dict[str, Any]:
    row = await users.get(conn, auth.user_id)
    if row is None:
        raise problems.unauthorized("Account no longer exists.", "user_deleted")
    return profile_view(row)


async def rename(conn: asyncpg.Connection, cache: CredentialCache, auth: AuthContext, name: str | None) -> dict[str, Any]:
    async with conn.transaction():
        row = await users.update_name(conn, auth.user_id, name)
        await invalidate(conn, cache, user_id=auth.user_id)
        await audit(conn, "profile.updated", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"fields": ["name"]})
    return profile_view(row)


async def delete(conn: asyncpg.Connection, cache: CredentialCache, auth: AuthContext, confirm_email: str) -> None:
    """Revoke every session and token (Khala too), then delete the user and their personal data."""
    if confirm_email.strip().lower() != auth.email:
        raise problems.invalid("email", "Type your account's email address to confirm deletion.")
    async with conn.transaction():
        await users.lock_credentials(conn, auth.user_id)
        session_ids = await sessions.ids_for_user(conn, auth.user_id)
        token_ids = await token_service.ids_for_user(conn, auth.user_id)
        await sessions.revoke(conn, user_id=auth.user_id, reason=USER_DELETED)
        await revoke_sessions(conn, session_ids + token_ids, USER_DELETED)
        await challenges.delete_for_email(conn, auth.email)
        # Audit rows stay (they hold ids and masked hints, never the email itself).
        await users.delete(conn, auth.user_id)
        await invalidate(conn, cache, user_id=auth.user_id)
        await audit(conn, "profile.deleted", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"sessions_revoked": len(session_ids), "tokens_revoked": len(token_ids)})
