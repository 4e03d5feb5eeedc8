"""The WorkOS provider: User Management magic auth through the official ``workos`` SDK.

WorkOS sends the email and checks the code; we map its answers and failures onto our envelope:
a wrong or expired code is 422, WorkOS rate limiting is 429 with its Retry-After, and WorkOS being
down or misconfigured is 503 (the user can retry; nothing was half-done on our side).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
import workos
from workos import AsyncWorkOSClient

from openagents_server.domains.identity.providers.base import ProviderError, ProviderIdentity, SentCode
from openagents_server.domains.identity.repositories.challenges import Challenge
from openagents_server.errors import Conflict, Forbidden, Invalid, RateLimited, Unavailable

#: Seconds to wait for WorkOS before answering 503.
REQUEST_TIMEOUT = 10
_log = structlog.get_logger("openagents.auth.workos")


class WorkOSProvider:
    name = "workos"

    def __init__(self, api_key: str, client_id: str, base_url: str = "") -> None:
        # No SDK retries: creating a magic-auth code sends an email, so a blind retry could send two.
        self.client = AsyncWorkOSClient(
            api_key=api_key, client_id=client_id, base_url=base_url or None,
            request_timeout=REQUEST_TIMEOUT, max_retries=0,
        )

    async def send_code(self, conn: asyncpg.Connection, email: str, *, ip_address: str | None,
                        user_agent: str | None) -> SentCode:
        try:
            magic = await self.client.user_management.create_magic_auth(
                email=email, ip_address=ip_address, user_agent=user_agent
            )
        except Exception as exc:  # noqa: BLE001 - every failure is mapped below
            raise _map_error(exc, "send_code") from None
        return SentCode(
            provider_challenge_id=magic.id,
            pending_provider_user_id=magic.user_id,
            expires_at=magic.expires_at,
        )

    async def verify_code(self, conn: asyncpg.Connection, email: str, code: str, *, challenge: Challenge,
                          ip_address: str | None, user_agent: str | None,
                          device_id: str | None) -> ProviderIdentity:
        try:
            result = await self.client.user_management.authenticate_with_magic_auth(
                code=code, email=email, ip_address=ip_address, user_agent=user_agent, device_id=device_id
            )
        except Exception as exc:  # noqa: BLE001
            raise _map_error(exc, "verify_code") from None
        user = result.user
        return ProviderIdentity(provider_user_id=user.id, email=user.email.lower(), name=_full_name(user))

    async def create_user(self, email: str, name: str | None) -> ProviderIdentity:
        try:
            user = await self.client.user_management.create_user(email=email, name=name)
        except Exception as exc:  # noqa: BLE001
            raise _map_error(exc, "create_user") from None
        return ProviderIdentity(provider_user_id=user.id, email=user.email.lower(), name=_full_name(user))

    async def close(self) -> None:
        await self.client.close()


def _full_name(user: Any) -> str | None:
    name = getattr(user, "name", None)
    if name:
        return str(name)
    parts = [p for p in (getattr(user, "first_name", None), getattr(user, "last_name", None)) if p]
    return " ".join(parts) or None


def _map_error(exc: Exception, operation: str) -> ProviderError:
    """WorkOS failure → our envelope. Only a wrong/expired code or input is the user's fault."""
    if isinstance(exc, workos.RateLimitExceededError):
        retry_after = max(1, int(exc.retry_after or 60))
        return ProviderError(RateLimited, "rate_limited", "Too many sign-in attempts. Try again later.", retry_after)
    if isinstance(exc, (workos.BadRequestError, workos.UnprocessableEntityError, workos.NotFoundError)):
        detail = " ".join(str(x) for x in (exc.code, exc.error, exc.error_description, exc.message) if x).lower()
        if operation == "verify_code":
            if "expired" in detail:
                return ProviderError(Invalid, "code_expired", "The code has expired. Request a new one.")
            return ProviderError(Invalid, "invalid_code", "The code is invalid or has expired.")
        if operation == "create_user" and ("exist" in detail or "taken" in detail):
            return ProviderError(Conflict, "conflict", "An account with this email already exists.")
        return ProviderError(Invalid, "invalid_request", "The identity provider rejected the email address.")
    if isinstance(exc, workos.ConflictError):
        return ProviderError(Conflict, "conflict", "An account with this email already exists.")
    if isinstance(exc, workos.AuthorizationError) and operation == "verify_code":
        # 403 auth-flow errors (email verification, MFA, SSO required …): this sign-in cannot finish here.
        return ProviderError(Forbidden, "forbidden", f"Sign-in needs an extra step: {exc.code or exc.error or exc.message}")
    # 401 (bad API key), 5xx, timeouts, connection failures: ours or WorkOS's, never the user's.
    _log.error("workos_error", operation=operation, error=str(exc), kind=type(exc).__name__)
    return ProviderError(Unavailable, "service_unavailable", "The identity provider is unavailable. Try again shortly.", 5)
