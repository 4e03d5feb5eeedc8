"""Per-process control-plane state: the identity provider client and the sync signing keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Litestar, Request

from openagents_server.db.pool import _init_connection
from openagents_server.domains.identity.credential_cache import CACHE, Listener
from openagents_server.domains.identity.providers import IdentityProvider, build_provider
from openagents_server.khala.tokens import SigningKeys


async def _keep_session_state(conn: asyncpg.Connection) -> None:
    """The auth pool only runs single read statements (no SET, LISTEN or locks): nothing to reset.

    Skipping asyncpg's default reset (one extra ``RESET ALL; UNLISTEN *; …`` round trip on every
    release) halves the database round trips of an authenticated request.
    """


@asynccontextmanager
async def control_lifespan(app: Litestar) -> AsyncIterator[None]:
    settings = app.state.settings
    app.state.identity_provider = build_provider(settings)
    app.state.sync_signing_keys = SigningKeys.parse(settings.sync_token_secret)
    app.state.auth_pool = await asyncpg.create_pool(
        settings.database_url, min_size=1, max_size=max(2, settings.db_pool_max // 2),
        init=_init_connection, reset=_keep_session_state, command_timeout=10,
    )
    CACHE.ttl = settings.auth_cache_seconds
    listener = Listener(settings.database_url)
    await listener.start()
    try:
        yield
    finally:
        await listener.stop()
        await app.state.identity_provider.close()
        await app.state.auth_pool.close()


def provider_of(request: Request[Any, Any, Any]) -> IdentityProvider:
    return request.app.state.identity_provider


def auth_pool_of(request: Request[Any, Any, Any]) -> asyncpg.Pool:
    """Pool for the per-request credential lookup (reads only; see :func:`_keep_session_state`)."""
    return request.app.state.auth_pool


def signing_keys_of(request: Request[Any, Any, Any]) -> SigningKeys:
    return request.app.state.sync_signing_keys
