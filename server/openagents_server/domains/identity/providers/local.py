"""The local provider: random 6-digit codes kept server-side, for development and tests only.

Codes are written to the server log and printed by ``openagents auth code EMAIL``; both only when
``OPENAGENTS_ENV`` is ``local`` or ``test``. In production this provider refuses to send codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from openagents_server.domains.identity.providers.base import ProviderError, ProviderIdentity, SentCode
from openagents_server.domains.identity.repositories.challenges import Challenge
from openagents_server.errors import Invalid, Unavailable

#: anchor: WorkOS magic-auth codes expire after 10 minutes; the local provider mirrors that.
CODE_TTL = timedelta(minutes=10)
_log = structlog.get_logger("openagents.auth.local")


def local_user_id(email: str) -> str:
    """A stable provider id per email, shaped like WorkOS's (``local_user_…``)."""
    return "local_user_" + hashlib.sha256(email.encode()).hexdigest()[:24]


class LocalProvider:
    name = "local"

    def __init__(self, env: str) -> None:
        self.codes_readable = env in ("local", "test")

    async def send_code(self, conn: asyncpg.Connection, email: str, *, ip_address: str | None,
                        user_agent: str | None) -> SentCode:
        if not self.codes_readable:
            raise ProviderError(Unavailable, "service_unavailable", "Sign-in is not configured on this server.")
        code = f"{secrets.randbelow(1_000_000):06d}"
        _log.info("local_auth_code", email=email, code=code)
        return SentCode(
            provider_challenge_id=None,
            pending_provider_user_id=local_user_id(email),
            expires_at=datetime.now(UTC) + CODE_TTL,
            local_code=code,
        )

    async def verify_code(self, conn: asyncpg.Connection, email: str, code: str, *, challenge: Challenge,
                          ip_address: str | None, user_agent: str | None,
                          device_id: str | None) -> ProviderIdentity:
        expected = challenge.local_code or ""
        if not expected or not hmac.compare_digest(expected, code):
            raise ProviderError(Invalid, "invalid_code", "The code is invalid or has expired.")
        return ProviderIdentity(provider_user_id=local_user_id(email), email=email)

    async def create_user(self, email: str, name: str | None) -> ProviderIdentity:
        return ProviderIdentity(provider_user_id=local_user_id(email), email=email, name=name)

    async def close(self) -> None:
        return None
