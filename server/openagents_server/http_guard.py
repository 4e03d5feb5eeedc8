"""HTTP-level hardening in front of shell delivery and the router (issue 18; docs/SECURITY.md).

One plain ASGI layer, so it costs a few comparisons per request:

* a NUL (``%00``) in the path or query, or a ``\\u0000``/``%00``/NUL in a JSON or form body, is a 422
  envelope (PostgreSQL text cannot hold NUL; without this it surfaced as a 500 from the driver);
* ``HEAD`` is answered as the ``GET`` of the same resource, without the body (RFC 9110 §9.3.2);
* credential-bearing paths (``/api/``, the login forms) get ``Cache-Control: no-store``,
  ``X-Content-Type-Options: nosniff`` and ``Cross-Origin-Resource-Policy: same-origin``;
* a production instance whose public origin is ``https`` sends ``Strict-Transport-Security``
  on every response.

Headers are handed to the outermost wrapper (``observability.add_response_header``): no send wrapper
per request here, except for ``HEAD``.
"""

from __future__ import annotations

import json

import structlog
from litestar.exceptions import ValidationException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from openagents_server.errors import envelope
from openagents_server.observability import RESPONSE_HEADERS_KEY
from openagents_server.settings import Settings

_log = structlog.get_logger("openagents.http_guard")

#: Paths whose responses may carry credentials or private data: never stored by any cache.
CREDENTIAL_PREFIXES = ("/api/", "/login/", "/logout", "/internal/")
API_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
#: Two years, subdomains included: the value the HSTS preload list asks for.
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
#: What a NUL looks like in the bodies we parse: a JSON escape (or the raw byte), a form escape.
_JSON_NUL = (b"\\u0000", b"\x00")
_FORM_NUL = (b"%00", b"\x00")
_TAIL = 5
_NUL_MESSAGE = "must not contain NUL characters"


class HttpGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hsts = settings.env == "production" and settings.public_origin.startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if "\x00" in path or b"%00" in scope.get("query_string", b""):
            where = "path" if "\x00" in path else "query"
            await _refuse(send, {where: [f"the {where} {_NUL_MESSAGE}"]})
            return
        extra = None
        if path.startswith(CREDENTIAL_PREFIXES):
            extra = scope.setdefault("state", {}).setdefault(RESPONSE_HEADERS_KEY, [])
            extra.extend(API_HEADERS)
        if self.hsts:
            if extra is None:
                extra = scope.setdefault("state", {}).setdefault(RESPONSE_HEADERS_KEY, [])
            extra.append(HSTS)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            forms = _nul_forms(scope)
            if forms:
                receive = _nul_checked(receive, forms)
        if scope["method"] == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        await self.app(scope, receive, send)


def _nul_forms(scope: Scope) -> tuple[bytes, ...]:
    """The spellings of NUL to look for in this request's body (none for multipart or binary bodies)."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            kind = value.lower()
            if kind.startswith(b"application/x-www-form-urlencoded"):
                return _FORM_NUL
            return _JSON_NUL if kind.startswith(b"application/json") or b"+json" in kind else ()
    return _JSON_NUL  # no declared type: the body may still be parsed as JSON


def _nul_checked(receive: Receive, forms: tuple[bytes, ...]) -> Receive:
    """``receive`` that refuses a body holding a NUL in any form (also across chunk boundaries)."""
    tail = b""

    async def checked() -> Message:
        nonlocal tail
        message = await receive()
        if message["type"] == "http.request":
            chunk = tail + message.get("body", b"")
            if any(form in chunk for form in forms):
                # Raised inside the app's body parsing: Litestar's handlers turn it into the 422 envelope.
                raise ValidationException("The given data was invalid.",
                                          extra=[{"key": "body", "message": f"the body {_NUL_MESSAGE}"}])
            tail = chunk[-_TAIL:]
        return message

    return checked


def _without_body(send: Send) -> Send:
    """For HEAD: the GET's status and headers (Content-Length included), no body bytes."""

    async def send_head(message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if kind == "http.response.pathsend":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(message)

    return send_head


async def _refuse(send: Send, errors: dict[str, list[str]]) -> None:
    _log.info("refused_nul", fields=list(errors))
    body = json.dumps(envelope("invalid_request", "The given data was invalid.", errors)).encode()
    await send({"type": "http.response.start", "status": 422, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *API_HEADERS]})
    await send({"type": "http.response.body", "body": body})
