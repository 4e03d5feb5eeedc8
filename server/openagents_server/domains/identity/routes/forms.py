"""Form routes for the web shell's no-JavaScript paths: ``/login/*``, ``/logout``, ``/internal/test-login``.

Each answers with a 303 redirect (or the JSON envelope when the client asks for JSON).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from openagents_server import rate_limit
from openagents_server.audit import audit
from openagents_server.dependencies import AppSettings, AuthenticatorDep, Cache, Cookies, DbPool, Provider
from openagents_server.domains.identity import dev_login as test_login
from openagents_server.domains.identity import problems
from openagents_server.domains.identity import sessions as session_service
from openagents_server.domains.identity import sign_in as identity
from openagents_server.domains.identity.authentication import (
    client_ip,
    refuse_cross_site,
    trusted_origins,
)
from openagents_server.domains.identity.cookies import (
    CookieNames,
    challenge_cookie,
    cleared_session_cookies,
    session_cookies,
)
from openagents_server.domains.identity.credentials import csrf_token
from openagents_server.domains.identity.providers import ProviderIdentity
from openagents_server.domains.identity.providers.local import local_user_id
from openagents_server.domains.identity.repositories import challenges, users
from openagents_server.domains.identity.responses import FormChallenge, FormSession, SignedOut
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES, client_info
from openagents_server.domains.identity.schemas import (
    EMAIL_PATTERN,
    LoginEmailForm,
    LoginVerifyForm,
    LogoutForm,
)
from openagents_server.errors import DomainError, Forbidden, Invalid
from openagents_server.openapi import ERRORS
from openagents_server.responses import Data, ok
from openagents_server.settings import Settings

_CODE_LENGTH = 6


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _back(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _form_answers(json_answer: type[Any], where: str) -> dict[int, ResponseSpec]:
    """A form route answers a browser with a 303 (empty text/plain body) and a JSON client with 200."""
    return {
        **ERRORS,
        200: ResponseSpec(data_container=Data[json_answer], generate_examples=False,  # type: ignore[valid-type]
                          description="Accept: application/json (and not text/html): the outcome as JSON"),
        303: ResponseSpec(data_container=str, media_type="text/plain", generate_examples=False,
                          description=f"a browser: redirect to {where} (empty body); a refusal redirects back "
                                      "to the form with the error in the query"),
    }


class WebAuthController(Controller):
    tags = ("web",)
    request_max_body_size = MAX_BODY_BYTES

    @post("/login/email", status_code=303, responses=_form_answers(FormChallenge, "/authenticate"), summary="Form: send a sign-in code")
    async def login_email(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, identity_provider: Provider, request: Request[Any, Any, Any],
                          data: URLEncodedBody[LoginEmailForm]) -> Response[Any]:
        refuse_cross_site(request, trusted_origins(settings))
        await rate_limit.enforce(pool, rate_limit.LOGIN_EMAIL, client_ip(request, settings))
        email = data.email.strip().lower()
        if not _valid_email(email):
            return _fail(request, "/login", Invalid(errors={"email": ["Enter a valid email address."]}))
        try:
            challenge = await identity.request_code(pool, identity_provider, email,
                                                    client_info(request, settings, cookie_names))
        except DomainError as exc:
            return _fail(request, "/login", exc)
        cookie = challenge_cookie(cookie_names, challenge.challenge_id)
        if _wants_json(request):
            return ok(FormChallenge(challenge.challenge_id, "code_sent"), cookies=[cookie])
        # The email is not put in the URL (URLs end up in logs); the challenge cookie remembers it.
        return Redirect("/authenticate", status_code=303, cookies=[cookie])

    @post("/login/verify", status_code=303, responses=_form_answers(FormSession, "the next page"), summary="Form: verify the code and sign in")
    async def login_verify(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, identity_provider: Provider, credential_cache: Cache, request: Request[Any, Any, Any],
                           data: URLEncodedBody[LoginVerifyForm]) -> Response[Any]:
        refuse_cross_site(request, trusted_origins(settings))
        await rate_limit.enforce(pool, rate_limit.LOGIN_VERIFY, client_ip(request, settings))
        names = cookie_names
        challenge_id = request.cookies.get(names.challenge)
        email, code = data.email.strip().lower(), data.code.strip()
        if not email and challenge_id:
            async with pool.acquire() as conn:
                email = await challenges.email_of(conn, challenge_id) or ""
        if not _valid_email(email) or not (len(code) == _CODE_LENGTH and code.isdigit()):
            return _fail(request, "/authenticate", Invalid(
                errors={"code": ["Enter the 6-digit code and your email address."]}))
        try:
            sign_in = await identity.verify_code(
                pool, identity_provider, credential_cache, email=email, code=code,
                challenge_id=challenge_id, client=client_info(request, settings, cookie_names),
            )
        except DomainError as exc:
            return _fail(request, "/authenticate", exc)
        return _session_redirect(request, settings, cookie_names, sign_in.session, test_login.safe_redirect(data.next))

    @post("/logout", status_code=303, responses=_form_answers(SignedOut, "/"), summary="Form: sign out of this browser")
    async def logout(self, pool: DbPool, cookie_names: Cookies, credential_cache: Cache, authenticator: AuthenticatorDep, request: Request[Any, Any, Any], data: URLEncodedBody[LogoutForm]) -> Response[Any]:
        names = cookie_names
        if request.cookies.get(names.session):
            try:
                auth = await authenticator.authenticate_with(request, csrf=data.csrf_token or None)
            except DomainError as exc:
                if isinstance(exc, Forbidden):
                    raise
                auth = None  # already signed out or expired: just clear the cookies
            if auth is not None and auth.session_id:
                async with pool.acquire() as conn, conn.transaction():
                    await session_service.revoke(conn, credential_cache, user_id=auth.user_id, reason=session_service.LOGOUT,
                                                 session_ids=[auth.session_id])
        cookies = cleared_session_cookies(names)
        if _wants_json(request):
            return ok(SignedOut(True), cookies=cookies)
        return Redirect("/", status_code=303, cookies=cookies)

    @get("/internal/test-login", status_code=303, include_in_schema=False)
    async def test_login(self, pool: DbPool, settings: AppSettings, cookie_names: Cookies, credential_cache: Cache, request: Request[Any, Any, Any], email: FromQuery[str] = "", expires: FromQuery[int] = 0,
                         signature: FromQuery[str] = "", name: FromQuery[str] = "",
                         redirect: FromQuery[str] = "/") -> Response[Any]:
        if settings.env not in test_login.ENVIRONMENTS:
            raise problems.not_found()
        email = email.strip().lower()
        problem = test_login.valid(settings.test_login_secret, email, expires, name, redirect, signature)
        if problem or not _valid_email(email):
            raise problems.forbidden("This sign-in link is invalid or has expired.", problem or "bad_email")
        client = client_info(request, settings, cookie_names)
        async with pool.acquire() as conn, conn.transaction():
            # An existing account (whatever its provider) is signed in as it is, never relinked.
            user = await users.get_by_email(conn, email)
            if user is None:
                user, _ = await identity.mirror_user(conn, credential_cache, "local", ProviderIdentity(local_user_id(email), email,
                                                                                       name or None))
            issued = await identity.open_session(conn, credential_cache, user.id, client)
            await audit(conn, "auth.test_login.completed", user_id=user.id, session_id=issued.session_id,
                        device_id=issued.device_id)
        return _session_redirect(request, settings, cookie_names, issued, test_login.safe_redirect(redirect))


def _valid_email(email: str) -> bool:
    return len(email) <= 254 and re.match(EMAIL_PATTERN, email) is not None


def _session_redirect(request: Request[Any, Any, Any], settings: Settings, names: CookieNames,
                      issued: session_service.IssuedSession,
                      target: str) -> Response[Any]:
    csrf = csrf_token(settings.session_secret, issued.session_id)
    cookies = session_cookies(names, access_token=issued.access_token,
                              refresh_token=issued.refresh_token, csrf=csrf, device_id=issued.device_id)
    if _wants_json(request):
        return ok(FormSession(issued.session_id, csrf), cookies=cookies)
    return Redirect(target, status_code=303, cookies=cookies)


def _fail(request: Request[Any, Any, Any], page: str, exc: DomainError, **params: str) -> Response[Any]:
    if _wants_json(request):
        raise exc
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    return Redirect(_back(page, error=exc.code, **params), status_code=303, headers=headers)
