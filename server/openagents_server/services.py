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
from litestar.di import Provide

from openagents_server.db.bus import PostgresBus
from openagents_server.db.pool import create_pool, init_connection
from openagents_server.domains.identity.authentication import Authenticator
from openagents_server.domains.identity.cookies import CookieNames
from openagents_server.domains.identity.credential_cache import CredentialCache
from openagents_server.domains.identity.credential_cache import attach as attach_credential_cache
from openagents_server.domains.identity.providers import IdentityProvider, build_provider
from openagents_server.khala.node import KhalaNode
from openagents_server.khala.tokens import SigningKeys
from openagents_server.metrics.sampler import Sampler, statement_timer
from openagents_server.rate_limit import CredentialBudget
from openagents_server.settings import Settings
from openagents_server.web.hosting import WebHosting


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
        self.khala = KhalaNode(settings)
        #: Set by the app factory once the shell-hosting layer is built (it wraps the app).
        self.web_hosting: WebHosting | None = None
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
    def pool_if_open(self) -> asyncpg.Pool | None:
        """The pool, or None before the lifespan opened it (the hosting layer serves files meanwhile)."""
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
        metrics = settings.metrics_enabled
        self._pool = await create_pool(settings.database_url, settings,
                                       on_connect=statement_timer("main") if metrics else None)
        auth_timer = statement_timer("auth") if metrics else None

        async def init_auth_connection(conn: asyncpg.Connection) -> None:
            await init_connection(conn)
            if auth_timer is not None:
                auth_timer(conn)

        self._auth_pool = await asyncpg.create_pool(
            settings.database_url, min_size=1, max_size=max(2, settings.db_pool_max // 2),
            init=init_auth_connection, reset=_keep_session_state, command_timeout=10,
        )
        self._identity_provider = build_provider(settings)
        self.bus = PostgresBus(settings.database_url)
        await attach_credential_cache(self.credential_cache, self.bus)
        await self.bus.start()
        await self.khala.start(self.pool, self.bus)
        sampler = Sampler(lambda: {"main": self.pool, "auth": self.auth_pool}, self.khala.hub.stats)
        if metrics:
            sampler.start()
        try:
            yield
        finally:
            await sampler.stop()
            await self.khala.stop()
            await self.bus.stop()
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
            "khala": provide(lambda: self.khala),
            "web_hosting": provide(lambda: self.web_hosting),
            # Not cached: the caller is resolved anew for every request.
            "auth": Provide(self.authenticator.authenticate),
        }
