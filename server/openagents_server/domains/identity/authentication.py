"""Authenticate a request: Bearer access token or PAT, or the browser session cookie plus CSRF.

Cookie-authenticated mutations must echo the CSRF token (``x-csrf-token``) and must not come from
another site (``Sec-Fetch-Site``); Bearer requests carry no ambient authority and need neither.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import asyncpg
from litestar import Request
from litestar.di import NamedDependency
from litestar.params import SkipValidation

from openagents_server.domains.identity import problems
from openagents_server.domains.identity.admin import is_admin
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.cookies import CSRF_HEADER, CookieNames
from openagents_server.domains.identity.credential_cache import CredentialCache
from openagents_server.domains.identity.credentials import (
    ACCESS_PREFIX,
    MAX_TOKEN_LENGTH,
    PAT_PREFIX,
    csrf_matches,
    token_hash,
)
from openagents_server.domains.identity.repositories import sessions
from openagents_server.domains.tokens import service as access_tokens
from openagents_server.rate_limit import CredentialBudget
from openagents_server.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEVICE_HEADER = "x-device-id"
_DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def client_ip(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The peer address, or — behind a trusted proxy — the nearest untrusted ``X-Forwarded-For`` hop."""
    peer = request.client.host if request.client else "unknown"
    trusted = settings.trusted_proxies
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:64]
    return peer


def user_agent(request: Request[Any, Any, Any]) -> str | None:
    value = request.headers.get("user-agent")
    return value[:512] if value else None


def is_browser(request: Request[Any, Any, Any]) -> bool:
    """Browsers send ``Sec-Fetch-Site`` on every request and page JavaScript cannot forge it."""
    return "sec-fetch-site" in request.headers


def trusted_origins(settings: Settings) -> frozenset[str]:
    """Origins whose pages may send unsafe requests: the public origin and the configured extra ones."""
    return frozenset(o.rstrip("/").lower() for o in (settings.public_origin, *settings.allowed_origins) if o)


def refuse_cross_site(request: Request[Any, Any, Any], own_origins: frozenset[str] = frozenset()) -> None:
    """Login CSRF and cookie-riding defence: unsafe browser requests must come from our own origin.

    ``Sec-Fetch-Site`` decides when the browser sends it; older browsers (and some embedded views)
    send only ``Origin``: then it must be one of ``own_origins`` or the origin of this very request's
    ``Host``. Clients that send neither (API clients, curl) carry no ambient credentials to abuse.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise problems.forbidden("Cross-site requests are not allowed here.", "cross_site_request")
        return
    origin = request.headers.get("origin")
    if origin is None:
        return
    origin = origin.rstrip("/").lower()
    host = request.headers.get("host", "").lower()
    if origin in own_origins or (host and origin.partition("://")[2] == host):
        return
    raise problems.forbidden("Cross-site requests are not allowed here.", "cross_site_request")


def valid_device_id(value: str | None, field: str = "device_id") -> str | None:
    if value is None:
        return None
    if not _DEVICE_ID.match(value):
        raise problems.invalid(field, "device_id must be 1-128 characters of A-Z a-z 0-9 . _ : -")
    return value


def raw_headers(request: Request[Any, Any, Any], wanted: frozenset[bytes]) -> dict[bytes, str]:
    """The first value of each ``wanted`` header, in one pass over the ASGI header list.

    Why: authentication runs on every protected request and needs two or three headers; building
    Litestar's ``Headers`` multidict for that cost more than the rest of the credential check.
    """
    found: dict[bytes, str] = {}
    for name, value in request.scope["headers"]:
        if name in wanted and name not in found:
            found[name] = value.decode("latin-1")
    return found


_DEVICE_HEADER_KEY = DEVICE_HEADER.encode()
_CSRF_HEADER_KEY = CSRF_HEADER.encode()
_AUTH_HEADERS = frozenset({b"authorization", _DEVICE_HEADER_KEY, _CSRF_HEADER_KEY})


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header value; ``None`` when there is no header."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise problems.unauthorized("Authorization must be 'Bearer <token>'.", "malformed_authorization")
    return token


class Authenticator:
    """Resolves the caller of a request; one per app, built from the process's services.

    Its :meth:`authenticate` is the ``auth`` dependency of every protected handler.
    """

    def __init__(self, settings: Settings, pool: Callable[[], asyncpg.Pool], cache: CredentialCache,
                 cookie_names: CookieNames, budget: CredentialBudget) -> None:
        self.settings = settings
        self._pool = pool
        self.cache = cache
        self.cookie_names = cookie_names
        self.budget = budget
        self._own_origins = trusted_origins(settings)

    async def authenticate(self, request: Request[Any, Any, Any]) -> AuthContext:
        return await self.authenticate_with(request)

    async def authenticate_with(self, request: Request[Any, Any, Any], *, csrf: str | None = None) -> AuthContext:
        """Authenticate; ``csrf`` is a CSRF token from a form field, used when the header is absent."""
        headers = raw_headers(request, _AUTH_HEADERS)
        token = bearer_token(headers.get(b"authorization"))
        via_cookie = False
        if token is None:
            token = request.cookies.get(self.cookie_names.session)
            via_cookie = token is not None
        if not token:
            raise problems.unauthorized()
        if len(token) > MAX_TOKEN_LENGTH:
            raise problems.unauthorized("Invalid token.", "invalid_token")
        if via_cookie and not token.startswith(ACCESS_PREFIX):
            raise problems.unauthorized("Invalid token.", "invalid_token")
        key = token_hash(token)
        context = self.cache.get(key)
        if context is None:
            context = await _resolve(self._pool(), self.cache, token, key, self.settings)
        # The per-credential ceiling (issue 18): a local lease on the hot path, PostgreSQL per batch.
        await self.budget.spend(context.credential_id)
        if context.kind == "session":
            claimed_device = headers.get(_DEVICE_HEADER_KEY)
            if claimed_device is not None and claimed_device != context.device_id:
                raise problems.forbidden("This session belongs to another device.", "device_mismatch")
        if via_cookie:
            if request.method not in SAFE_METHODS:
                refuse_cross_site(request, self._own_origins)
                presented = headers.get(_CSRF_HEADER_KEY) or csrf
                if not csrf_matches(self.settings.session_secret, context.session_id or "", presented):
                    raise problems.forbidden("Missing or invalid CSRF token (send the x-csrf-token header).",
                                             "csrf_failed")
            context = replace(context, via_cookie=True)
        return context


async def _resolve(pool: asyncpg.Pool, cache: CredentialCache, token: str, key: bytes,
                   settings: Settings) -> AuthContext:
    """Look the credential up in PostgreSQL; cache it only if it is usable."""
    if token.startswith(PAT_PREFIX):
        context, seconds_left = await _pat_context(pool, key)
    elif token.startswith(ACCESS_PREFIX):
        context, seconds_left = await _session_context(pool, key)
    else:
        raise problems.unauthorized("Invalid token.", "invalid_token")
    if is_admin(context, settings):
        context = replace(context, admin=True)
    cache.put(key, context, seconds_left)
    return context


async def _session_context(pool: asyncpg.Pool, key: bytes) -> tuple[AuthContext, float | None]:
    found = await sessions.by_access_hash(pool, key)
    if found is None:
        raise problems.unauthorized("Invalid token.", "invalid_token")
    if found.status != "active":
        raise problems.reauth_required(found.revoked_reason or found.status, "Session was revoked; sign in again.")
    if not found.access_valid:
        raise problems.unauthorized("Access token expired; refresh the session.", "access_token_expired")
    context = AuthContext(
        user_id=found.user_id, email=found.email, name=found.name, kind="session",
        session_id=found.id, device_id=found.device_id, client_kind=found.client_kind,
        active_org_id=found.active_org_id, memberships=tuple(found.memberships),
    )
    return context, found.seconds_left


async def _pat_context(pool: asyncpg.Pool, key: bytes) -> tuple[AuthContext, float | None]:
    found = await access_tokens.by_hash(pool, key)
    if found is None:
        raise problems.unauthorized("Invalid token.", "invalid_token")
    if not found.valid:
        raise problems.unauthorized("Personal access token expired.", "token_expired")
    if found.stale:
        await access_tokens.touch(pool, found.id)
    context = AuthContext(
        user_id=found.user_id, email=found.email, name=found.name, kind="pat", token_id=found.id,
        abilities=tuple(found.abilities), memberships=tuple(found.memberships),
    )
    return context, found.seconds_left


def require(ability: str, auth: AuthContext) -> None:
    if not auth.can(ability):
        raise problems.forbidden(f"This token lacks the '{ability}' ability.", "missing_ability")


def require_session(auth: AuthContext) -> None:
    """For endpoints that act on a session (refresh, revoke, active org …): PATs are refused."""
    if auth.kind != "session":
        raise problems.forbidden("This endpoint needs a signed-in session, not a personal access token.",
                                 "session_required")


#: Handler parameter type for the authenticated caller. ``SkipValidation``: the value is our own
#: frozen dataclass, built by ``authenticate``; re-validating it field by field on every request
#: cost more than the credential check itself.
Auth = NamedDependency[SkipValidation[AuthContext]]
