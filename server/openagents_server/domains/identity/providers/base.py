"""The one interface every identity provider implements: send a 6-digit code, check it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

from openagents_server.domains.identity.repositories.challenges import Challenge
from openagents_server.errors import DomainError


@dataclass(frozen=True)
class SentCode:
    """What the provider tells us after sending a code."""

    provider_challenge_id: str | None
    pending_provider_user_id: str | None
    expires_at: datetime
    #: Only the local provider knows its code; it is stored so ``openagents auth code`` can print it.
    local_code: str | None = None


@dataclass(frozen=True)
class ProviderIdentity:
    """Who the provider says the person is. Our user rows mirror ``provider_user_id``."""

    provider_user_id: str
    email: str
    name: str | None = None


class ProviderError(Exception):
    """A provider refused or failed: ``kind`` is the domain error it becomes, ``code`` its stable code."""

    def __init__(self, kind: type[DomainError], code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.message = message
        self.retry_after = retry_after


class IdentityProvider(Protocol):
    name: str

    async def send_code(self, conn: asyncpg.Connection, email: str, *, ip_address: str | None,
                        user_agent: str | None) -> SentCode: ...

    async def verify_code(self, conn: asyncpg.Connection, email: str, code: str, *, challenge: Challenge,
                          ip_address: str | None, user_agent: str | None,
                          device_id: str | None) -> ProviderIdentity: ...

    async def create_user(self, email: str, name: str | None) -> ProviderIdentity: ...

    async def close(self) -> None: ...
