"""``/settings/integrations/*``: the web entries (forms and redirects, cookie session + CSRF).

Forms answer 303 back to ``/settings/integrations`` (``?notice=`` or ``?error=``), or the JSON
envelope when the client asks for JSON. The Google callback answers a small HTML page saying why
when it refuses (bad or reused state, wrong PKCE verifier, provider error); nothing is stored then.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from openagents_server.dependencies import AuthenticatorDep, DbPool
from openagents_server.domains.identity.authentication import Auth, require_session
from openagents_server.domains.integrations import service
from openagents_server.domains.integrations.responses import Disconnected, Integration, TestEmailSent
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.domains.integrations.schemas import ConnectResendForm, TestEmailForm
from openagents_server.errors import DomainError, Forbidden, Invalid, Unauthorized
from openagents_server.openapi import ERRORS
from openagents_server.responses import Data, typed

PAGE = "/settings/integrations"
MAX_BODY_BYTES = 16 * 1024


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _back(**params: str) -> Redirect:
    return Redirect(f"{PAGE}?{urlencode(params)}", status_code=303)


def _fail(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if _wants_json(request):
        raise exc
    return _back(error=exc.code)


def refusal_page(title: str, message: str, reason: str, status: int = 400, *, sign_in: bool = False) -> Response[str]:
    again = f'<p><a id="sign-in" href="/login?next={PAGE}">Sign in again</a></p>' if sign_in else ""
    body = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>{html.escape(title)}</h1><p id="reason" data-reason="{html.escape(reason)}">{html.escape(message)}</p>
{again}<p><a href="{PAGE}">Back to Settings → Integrations</a></p></body></html>"""
    return Response(body, status_code=status, media_type=MediaType.HTML,
                    headers={"cache-control": "no-store", "referrer-policy": "no-referrer"})


def signed_out_page(exc: DomainError) -> Response[str]:
    """The browser came back (or set out) with no valid session: a page saying so, with the way back."""
    reason = "session_expired" if isinstance(exc, Unauthorized) else exc.code
    message = ("Your session ended while you were away, so Google was not connected and nothing was stored. "
               "Sign in again, then press \"Connect Google\" once more." if isinstance(exc, Unauthorized)
               else f"{exc.message} Google was not connected and nothing was stored.")
    return refusal_page("Google was not connected", message, reason, status=exc.status, sign_in=True)


class IntegrationsWebController(Controller):
    path = PAGE
    tags = ("web",)
    request_max_body_size = MAX_BODY_BYTES

    @post("/resend", status_code=303, responses=ERRORS, summary="Form: connect Resend with an API key")
    async def connect_resend(self, pool: DbPool, authenticator: AuthenticatorDep, integrations: Kit, request: Request[Any, Any, Any],
                             data: URLEncodedBody[ConnectResendForm]) -> Response[Any]:
        auth = await authenticator.authenticate_with(request, csrf=data.csrf_token or None)
        require_session(auth)
        key = data.api_key.strip()
        if not (key.startswith("re_") and 12 <= len(key) <= 200 and key.replace("_", "").replace("-", "").isalnum()):
            return _fail(request, Invalid("invalid_api_key", "Enter a Resend API key (re_…).", field="api_key"))
        try:
            connected = await service.connect_resend(pool, integrations, auth, key)
        except DomainError as exc:
            return _fail(request, exc)
        if _wants_json(request):
            return typed(Integration, connected, status=201)
        return _back(notice="resend_connected")

    @delete("/resend", status_code=200, responses=ERRORS, summary="Disconnect Resend (cookie session + x-csrf-token)")
    async def disconnect_resend(self, pool: DbPool, auth: Auth, integrations: Kit,
                                request: Request[Any, Any, Any]) -> Response[Data[Disconnected]]:
        require_session(auth)
        return typed(Disconnected, await service.disconnect(pool, integrations, auth, "resend"))

    @post("/resend/test", status_code=303, responses=ERRORS, summary="Form: send a test email through Resend")
    async def test_email(self, pool: DbPool, authenticator: AuthenticatorDep, integrations: Kit, request: Request[Any, Any, Any],
                         data: URLEncodedBody[TestEmailForm]) -> Response[Any]:
        form = data
        auth = await authenticator.authenticate_with(request, csrf=form.csrf_token or None)
        require_session(auth)
        try:
            sent = await service.send_test_email(pool, integrations, auth, form.to.strip() or None)
        except DomainError as exc:
            return _fail(request, exc)
        if _wants_json(request):
            return typed(TestEmailSent, sent)
        return _back(notice="test_email_sent", message_id=sent["message_id"])

    @get("/google/redirect", status_code=302, responses=ERRORS, summary="Send the browser to Google to connect (state + PKCE)")
    async def google_redirect(self, pool: DbPool, authenticator: AuthenticatorDep, integrations: Kit,
                              request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            auth = await authenticator.authenticate(request)
            require_session(auth)
        except (Unauthorized, Forbidden) as exc:
            if _wants_json(request):
                raise
            return signed_out_page(exc)
        try:
            url = await service.google_start(pool, integrations, auth)
        except DomainError as exc:
            return refusal_page("Google is not available", exc.message, exc.code, status=exc.status)
        return Redirect(url, status_code=302, headers={"cache-control": "no-store", "referrer-policy": "no-referrer"})

    @get("/google/callback", status_code=303, responses=ERRORS, summary="Google's answer: store the grant, or a page that says why not")
    async def google_callback(self, pool: DbPool, authenticator: AuthenticatorDep, integrations: Kit,
                              request: Request[Any, Any, Any], code: FromQuery[str] = "", error: FromQuery[str] = "",
                              error_description: FromQuery[str] = "") -> Response[Any]:
        # A top-level navigation back from Google: a browser, never an API client. If the session
        # cookie expired while the person was at Google, say so on a page (a JSON 401 would be a
        # dead end); nothing is stored and the pending state simply expires.
        try:
            auth = await authenticator.authenticate(request)
            require_session(auth)
        except (Unauthorized, Forbidden) as exc:
            if _wants_json(request):
                raise
            return signed_out_page(exc)
        state = request.query_params.get("state", "")  # ``state`` is a reserved handler parameter name
        try:
            await service.google_finish(pool, integrations, auth, state=state, code=code, error=error[:100],
                                        error_description=error_description[:300])
        except service.OAuthRefused as exc:
            return refusal_page("Google was not connected", exc.message, exc.reason)
        except DomainError as exc:
            return refusal_page("Google was not connected", exc.message, exc.code, status=exc.status)
        return _back(notice="google_connected")

    @delete("/google", status_code=200, responses=ERRORS, summary="Disconnect Google (cookie session + x-csrf-token)")
    async def disconnect_google(self, pool: DbPool, auth: Auth, integrations: Kit,
                                request: Request[Any, Any, Any]) -> Response[Data[Disconnected]]:
        require_session(auth)
        return typed(Disconnected, await service.disconnect(pool, integrations, auth, "google"))
