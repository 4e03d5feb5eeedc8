"""JSON auth API: ``/api/auth/*`` (and ``/api/v1/auth/*`` aliases) and ``/api/me``."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery, JSONBody

from openagents_server import rate_limit
from openagents_server.dependencies import AppSettings, Cache, Cookies, DbPool, Provider
from openagents_server.domains.identity import problems
from openagents_server.domains.identity import sessions as session_service
from openagents_server.domains.identity import sign_in as identity
from openagents_server.domains.identity.authentication import (
    Auth,
    client_ip,
    is_browser,
    refuse_cross_site,
    require_session,
    trusted_origins,
)
from openagents_server.domains.identity.cookies import (
    CSRF_HEADER,
    CookieNames,
    challenge_cookie,
    cleared_session_cookies,
    session_cookies,
)
from openagents_server.domains.identity.credentials import csrf_token, email_hint
from openagents_server.domains.identity.repositories import sessions, users
from openagents_server.domains.identity.responses import (
    ChallengeSent,
    Credential,
    CurrentSession,
    LoggedOut,
    Me,
    MeUser,
    Refreshed,
    RevokedSessions,
    SessionList,
    SignedIn,
)
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES, client_info
from openagents_server.domains.identity.schemas import (
    EmailRequest,
    RefreshRequest,
    RegisterRequest,
    RevokeSessionsRequest,
    VerifyRequest,
)
from openagents_server.domains.identity.views import issued_session_view, session_row_view, user_view
from openagents_server.domains.orgs.service import memberships as list_memberships
from openagents_server.domains.orgs.service import memberships_of
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, as_struct, ok
from openagents_server.settings import Settings


class AuthController(Controller):
    path = "/"
    tags = ("auth",)
    request_max_body_size = MAX_BODY_BYTES

    @post("/auth/email", status_code=200, responses=ERRORS, summary="Send a sign-in code to an email address")
    async def send_code(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, identity_provider: Provider, request: Request[Any, Any, Any], data: JSONBody[EmailRequest]) -> Response[Data[ChallengeSent]]:
        refuse_cross_site(request, trusted_origins(settings))
        await rate_limit.enforce(pool, rate_limit.AUTH_EMAIL, client_ip(request, settings))
        email = data.email.lower()
        challenge = await identity.request_code(pool, identity_provider, email, client_info(request, settings, cookie_names))
        body = {
            "challenge_id": challenge.challenge_id,
            "provider": challenge.provider,
            "status": "code_sent",
            "delivery_channel": "email",
            "email_hint": email_hint(email),
            "expires_at": challenge.expires_at.isoformat(),
            "resend_allowed": True,
        }
        cookies = [challenge_cookie(cookie_names, challenge.challenge_id)] if is_browser(request) else []
        return ok(as_struct(body, ChallengeSent), cookies=cookies)

    @post("/auth/verify", status_code=200, responses=ERRORS, summary="Verify the code and open a device session")
    async def verify(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, identity_provider: Provider, credential_cache: Cache, request: Request[Any, Any, Any], data: JSONBody[VerifyRequest]) -> Response[Data[SignedIn]]:
        refuse_cross_site(request, trusted_origins(settings))
        await rate_limit.enforce(pool, rate_limit.LOGIN_VERIFY, client_ip(request, settings))
        names = cookie_names
        browser = is_browser(request)
        challenge_id = data.challenge_id or (request.cookies.get(names.challenge) if browser else None)
        client = client_info(request, settings, cookie_names, data.device_id)
        sign_in = await identity.verify_code(pool, identity_provider, credential_cache, email=data.email.lower(),
                                             code=data.code, challenge_id=challenge_id, client=client)
        return await _signed_in(request, settings, pool, cookie_names, sign_in)

    @post("/auth/register", status_code=201,
          responses=ERRORS, summary="Create an account directly (only when OPENAGENTS_AUTH_REGISTER_ENABLED)")
    async def register(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, identity_provider: Provider, credential_cache: Cache, request: Request[Any, Any, Any], data: JSONBody[RegisterRequest]) -> Response[Data[SignedIn]]:
        if not settings.auth_register_enabled:
            raise problems.not_found("Registration is not enabled on this server.")
        refuse_cross_site(request, trusted_origins(settings))
        await rate_limit.enforce(pool, rate_limit.REGISTER, client_ip(request, settings))
        sign_in = await identity.register(pool, identity_provider, credential_cache, email=data.email.lower(),
                                          name=data.name, client=client_info(request, settings, cookie_names, data.device_id))
        return await _signed_in(request, settings, pool, cookie_names, sign_in, status=201)

    @post("/auth/refresh", status_code=200, responses=ERRORS, summary="Rotate the session's tokens")
    async def refresh(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, credential_cache: Cache, request: Request[Any, Any, Any], data: JSONBody[RefreshRequest | None] = None) -> Response[Data[Refreshed]]:
        await rate_limit.enforce(pool, rate_limit.REFRESH, client_ip(request, settings))
        data = data or RefreshRequest()
        names = cookie_names
        token, csrf = data.refresh_token, None
        if token is None:
            token = request.cookies.get(names.refresh)
            if token is not None:
                refuse_cross_site(request, trusted_origins(settings))
                csrf = (settings.session_secret, request.headers.get(CSRF_HEADER))
        if not token:
            raise problems.unauthorized("No refresh token.", "missing_refresh_token")
        issued = await session_service.refresh(pool, credential_cache, token, device_id=data.device_id, csrf=csrf)
        async with pool.acquire() as conn:
            user = await users.get(conn, issued.user_id)
            session = await issued_session_view(conn, user, issued, include_tokens=csrf is None,
                                                secret=settings.session_secret)
        cookies = []
        if csrf is not None:
            cookies = session_cookies(names, access_token=issued.access_token, refresh_token=issued.refresh_token,
                                      csrf=session["csrf_token"], device_id=issued.device_id)
        body = {"token_type": "Bearer", "replaced_refresh_token_id": issued.replaced_refresh_token_id,
                "session": session}
        return ok(as_struct(body, Refreshed), cookies=cookies)

    @get("/auth/session", responses=ERRORS, summary="The current session",
         security=SECURED)
    async def current_session(self, pool: DbPool, settings: AppSettings, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[CurrentSession]]:
        require_session(auth)
        async with pool.acquire() as conn:
            row = await sessions.get(conn, auth.session_id or "")
            user = await users.get(conn, auth.user_id)
            orgs = await list_memberships(conn, auth)
        if row is None or user is None:  # deleted between authentication and this read
            raise problems.reauth_required("session_revoked")
        session = {
            **session_row_view(row, auth.session_id),
            "user_id": auth.user_id,
            "memberships": orgs.memberships,
            "active_org_id": orgs.active_org_id,
            "identity": {"provider": user.provider, "provider_user_id": user.provider_user_id,
                         "email": user.email},
            "reauth_required": False,
        }
        if auth.via_cookie:
            session["csrf_token"] = csrf_token(settings.session_secret, auth.session_id or "")
        return ok(as_struct({"session": session, "user": user_view(user)}, CurrentSession))

    @get("/auth/sessions", responses=ERRORS, summary="The user's device sessions",
         security=SECURED)
    async def list_sessions(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                            include_inactive: FromQuery[bool] = False) -> Response[Data[SessionList]]:
        require_session(auth)
        async with pool.acquire() as conn:
            rows = await sessions.list_for_user(conn, auth.user_id, include_inactive)
        return ok(as_struct({"sessions": [session_row_view(r, auth.session_id) for r in rows]}, SessionList))

    @post("/auth/sessions/revoke", status_code=200,
          responses=ERRORS, summary="Revoke sessions: by id, by device, or all (optionally keeping the current one)",
          security=SECURED)
    async def revoke_sessions(self, pool: DbPool, cookie_names: Cookies, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth,
                              data: JSONBody[RevokeSessionsRequest]) -> Response[Data[RevokedSessions]]:
        require_session(auth)
        targets = sum((data.session_ids is not None, data.device_id is not None, data.revoke_all))
        if targets != 1:
            raise problems.invalid("body", "give exactly one of session_ids, device_id, revoke_all")
        async with pool.acquire() as conn, conn.transaction():
            revoked = await session_service.revoke_on_request(
                conn, credential_cache, user_id=auth.user_id, reason=session_service.USER_REVOKED, session_ids=data.session_ids,
                device_id=data.device_id,
                except_session_id=auth.session_id if data.revoke_all and not data.include_current else None,
            )
        current = auth.session_id in revoked
        cookies = cleared_session_cookies(cookie_names) if current and auth.via_cookie else []
        return ok(RevokedSessions(revoked, current), cookies=cookies)

    @post("/auth/logout", status_code=200, responses=ERRORS, summary="End the current session",
          security=SECURED)
    async def logout(self, pool: DbPool, cookie_names: Cookies, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[LoggedOut]]:
        require_session(auth)
        async with pool.acquire() as conn, conn.transaction():
            await session_service.revoke(conn, credential_cache, user_id=auth.user_id, reason=session_service.LOGOUT,
                                         session_ids=[auth.session_id or ""])
        cookies = cleared_session_cookies(cookie_names) if auth.via_cookie else []
        return ok(LoggedOut(True, auth.session_id), cookies=cookies)


class MeController(Controller):
    path = "/"
    tags = ("auth",)
    security = SECURED

    @get("/me", responses=ERRORS, summary="Who am I: user, credential and org memberships")
    async def me(self, auth: Auth) -> Data[Me]:
        # No Response object: no cookies to set, and Litestar encodes the struct directly (hot path).
        orgs = memberships_of(auth)
        credential = Credential(auth.kind, auth.session_id, auth.device_id, auth.token_id,
                                list(auth.abilities) or None)
        return Data(Me(MeUser(auth.user_id, auth.email, auth.name), credential, orgs.active_org_id,
                       orgs.memberships, auth.admin))


async def _signed_in(request: Request[Any, Any, Any], settings: Settings, pool: asyncpg.Pool, names: CookieNames,
                     sign_in: identity.SignIn,
                     status: int = 200) -> Response[Data[SignedIn]]:
    browser = is_browser(request)
    secret = settings.session_secret
    async with pool.acquire() as conn:
        session = await issued_session_view(conn, sign_in.user, sign_in.session, include_tokens=not browser,
                                            secret=secret)
    cookies = []
    if browser:
        issued = sign_in.session
        cookies = session_cookies(names, access_token=issued.access_token,
                                  refresh_token=issued.refresh_token, csrf=session["csrf_token"],
                                  device_id=issued.device_id)
    body = {"new_user": sign_in.new_user, "token_type": "Bearer", "user": user_view(sign_in.user),
            "session": session}
    return ok(as_struct(body, SignedIn), status=status, cookies=cookies)
