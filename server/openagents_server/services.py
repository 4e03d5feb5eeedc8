"""What a process builds once and hands to handlers with ``Provide``: pools, the identity provider,
signing keys, the credential cache. ``app.py`` owns one :class:`AppServices`; its lifespan starts and
stops it; nothing else reads ``app.state``.

Handlers name what they need (``pool: DbPool``, ``settings: AppSettings`` …). The values are this
process's singletons, so ``use_cache`` resolves each once, and ``SkipValidation`` keeps Litestar from
re-validating our own objects on every request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from openagents_server.db.pool import create_pool, init_connection
from openagents_server.domains.identity.authentication import Authenticator
from openagents_server.domains.identity.cookies import CookieNames
from openagents_server.domains.identity.credential_cache import CredentialCache, Listener
from openagents_server.domains.identity.providers import IdentityProvider, build_provider
from openagents_server.khala.tokens import SigningKeys
from openagents_server.rate_limit import CredentialBudget
from openagents_server.settings import Settings


async def _keep_session_state(conn: asyncpg.Connection) -> None:
    """The auth pool only runs single read statements (no SET, LISTEN or locks): nothing to reset.

    Skipping asyncpg's default reset (one extra ``RESET ALL; UNLISTEN *; …`` round trip on every
    release) halves the database round trips of an authenticated request.
    """


class NotStarted(RuntimeError):
    """A service was asked for before the app's lifespan started it."""


class AppServices:
    """The process's shared objects, built by :meth:`lifespan` and handed out by :meth:`dependencies`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cookie_names = CookieNames.for_settings(settings)
        self.signing_keys = SigningKeys.parse(settings.sync_token_secret)
        self.credential_cache = CredentialCache(ttl=settings.auth_cache_seconds)
        self.credential_budget = CredentialBudget(lambda: self.auth_pool, rate=settings.api_rate_per_second,
                                                  burst=settings.api_burst)
        self.authenticator = Authenticator(settings, lambda: self.auth_pool, self.credential_cache, self.cookie_names,
                                           self.credential_budget)
        self._pool: asyncpg.Pool | None = None
        self._auth_pool: asyncpg.Pool | None = None
        self._identity_provider: IdentityProvider | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise NotStarted("the database pool starts with the app's lifespan")
        return self._pool

    @property
    def auth_pool(self) -> asyncpg.Pool:
        """Pool for the per-request credential lookup (reads only; see :func:`_keep_session_state`)."""
        if self._auth_pool is None:
            raise NotStarted("the auth pool starts with the app's lifespan")
        return self._auth_pool

    @property
    def identity_provider(self) -> IdentityProvider:
        if self._identity_provider is None:
            raise NotStarted("the identity provider starts with the app's lifespan")
        return self._identity_provider

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        settings = self.settings
        self._pool = await create_pool(settings.database_url, settings)
        self._auth_pool = await asyncpg.create_pool(
            settings.database_url, min_size=1, max_size=max(2, settings.db_pool_max // 2),
            init=init_connection, reset=_keep_session_state, command_timeout=10,
        )
        self._identity_provider = build_provider(settings)
        listener = Listener(settings.database_url, self.credential_cache)
        await listener.start()
        try:
            yield
        finally:
            await listener.stop()
            await self._identity_provider.close()
            await self._auth_pool.close()
            await self._pool.close()

    def dependencies(self) -> dict[str, Provide]:
        """App-level dependencies: each name below can be a handler (or dependency) parameter."""

        def provide(getter: Any) -> Provide:
            return Provide(getter, sync_to_thread=False, use_cache=True)

        return {
            "settings": provide(lambda: self.settings),
            "pool": provide(lambda: self.pool),
            "auth_pool": provide(lambda: self.auth_pool),
            "identity_provider": provide(lambda: self.identity_provider),
            "signing_keys": provide(lambda: self.signing_keys),
            "credential_cache": provide(lambda: self.credential_cache),
            "cookie_names": provide(lambda: self.cookie_names),
            "authenticator": provide(lambda: self.authenticator),
            # Not cached: the caller is resolved anew for every request.
            "auth": Provide(self.authenticator.authenticate),
        }


#: Handler parameter types for the dependencies above (not re-validated per request).
AppSettings = NamedDependency[SkipValidation[Settings]]
DbPool = NamedDependency[SkipValidation[asyncpg.Pool]]
AuthPool = NamedDependency[SkipValidation[asyncpg.Pool]]
Provider = NamedDependency[SkipValidation[IdentityProvider]]
Keys = NamedDependency[SkipValidation[SigningKeys]]
Cache = NamedDependency[SkipValidation[CredentialCache]]
Cookies = NamedDependency[SkipValidation[CookieNames]]
AuthenticatorDep = NamedDependency[SkipValidation[Authenticator]]
