"""Paywalls that front an upstream HTTP service (Aperture's model): an ASGI layer in front of the router.

A request whose path falls under an enabled paywall with an ``upstream_url`` is answered here, before
routing (the upstream's paths are not routes of this platform):

* no valid credential → the gate's answer (``402`` challenge, ``401`` forged, ``503`` paused);
* paid → forwarded to ``upstream_url`` + the path after the route prefix + the query string
  (``/api/weather/today?x=1`` under ``/api/weather`` → ``{upstream_url}/today?x=1``), streaming the
  request body (at most ``l402_upstream_max_request_bytes``, else ``413``) and the response body (at
  most ``l402_upstream_max_response_bytes``: a larger declared length is a ``502``, a longer stream
  is cut by aborting the connection, never passed off as complete);
* stripped both ways: hop-by-hop headers (RFC 9110 §7.6.1, and those ``Connection`` names); towards
  the upstream also ``Authorization`` (the L402 credential is this platform's, not the upstream's),
  ``Cookie`` (this platform's session) and any client-sent ``Forwarded``/``X-Forwarded-*`` (replaced
  by ours); from the upstream also ``Set-Cookie`` (it must not set cookies on this platform's origin);
* the upstream is reached through ``netguard`` (resolved once, private/loopback/link-local/metadata
  refused unless ``l402_http_allow`` lists them, connection pinned to the checked address);
* upstream failures are envelopes: ``504 upstream_timeout``, ``502 upstream_unreachable``,
  ``502 upstream_blocked`` (with the ``ssrf_block.*`` reason), ``502 upstream_response_too_large``.
  The upstream's own statuses (its 404, its 500) are passed through as they are.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import structlog
from litestar.types import ASGIApp, Receive, Scope, Send

from openagents_server.domains.l402.gate import Paywall, PaywallGate, _envelope, answer, authorization_of
from openagents_server.netguard import Blocked

_log = structlog.get_logger("openagents.l402.proxy")
#: After the paywall table could not be loaded, requests pass to the router for this long.
RETRY_SECONDS = 1.0

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade"})
_NOT_FORWARDED = HOP_BY_HOP | {"host", "authorization", "cookie", "forwarded", "x-forwarded-for", "x-forwarded-host",
                               "x-forwarded-proto", "x-real-ip"}
_NOT_RELAYED = HOP_BY_HOP | {"set-cookie", "set-cookie2"}


class _RequestTooLarge(Exception):
    pass


class _ClientGone(Exception):
    pass


class UpstreamAborted(Exception):
    """Raised after the response started (an over-long or broken upstream body): the ASGI server
    drops the connection, so the client sees an incomplete response rather than a cut one."""


def upstream_target(paywall: Paywall, scope: Scope) -> str | None:
    """The upstream URL for this request, or None for a path with dot segments (never forwarded)."""
    assert paywall.upstream_url is not None
    suffix = scope["path"][len(paywall.route_prefix):]
    if any(segment in (".", "..") for segment in suffix.split("/")):
        return None
    raw: bytes | None = scope.get("raw_path")
    if raw and b"?" in raw:  # some servers (and test clients) leave the query on raw_path
        raw = raw.split(b"?", 1)[0]
    prefix = paywall.route_prefix.encode()
    if raw and raw.startswith(prefix) and (len(raw) == len(prefix) or raw[len(prefix):len(prefix) + 1] == b"/"):
        rest = raw[len(prefix):].decode("latin-1")
    else:
        rest = quote(suffix, safe="/:@!$&'()*+,;=-._~")
    query = scope.get("query_string") or b""
    return paywall.upstream_url + rest + (("?" + query.decode("latin-1")) if query else "")


def _connection_named(headers: list[tuple[bytes, bytes]]) -> set[str]:
    named: set[str] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named |= {part.strip().lower() for part in value.decode("latin-1").split(",") if part.strip()}
    return named


def forwarded_headers(scope: Scope) -> list[tuple[str, str]]:
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    dropped = _NOT_FORWARDED | _connection_named(raw)
    out = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw if n.decode("latin-1").lower() not in dropped]
    host = next((v.decode("latin-1") for n, v in raw if n == b"host"), "")
    client = scope.get("client")
    if client:
        out.append(("x-forwarded-for", str(client[0])))
    out.append(("x-forwarded-proto", scope.get("scheme", "http")))
    if host:
        out.append(("x-forwarded-host", host))
    return out


def relayed_headers(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    raw = response.headers.raw
    dropped = _NOT_RELAYED | _connection_named(raw)
    return [(n.lower(), v) for n, v in raw if n.decode("latin-1").lower() not in dropped]


def _has_body(scope: Scope) -> bool:
    return any(n in (b"content-length", b"transfer-encoding") for n, _ in scope["headers"])


async def _request_body(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise _RequestTooLarge
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


class UpstreamProxy:
    """The ASGI layer (``plugin.front`` puts it in front of the router, in ``app.py``)."""

    def __init__(self, app: ASGIApp, gate: PaywallGate) -> None:
        self.app = app
        self.gate = gate
        self._retry_at = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.gate.pool is None:
            await self.app(scope, receive, send)
            return
        paywall = self.gate.match_fresh(scope["path"])
        if paywall is False:
            paywall = None
            if time.monotonic() >= self._retry_at:
                try:
                    paywall = await self.gate.match(scope["path"])
                except Exception as exc:  # noqa: BLE001 - never loaded (database down): no upstream reachable, the router answers
                    # Back off, so that shell assets are not held up by one failing load per request.
                    self._retry_at = time.monotonic() + RETRY_SECONDS
                    _log.warning("upstream_paywalls_unavailable", error=type(exc).__name__)
        if paywall is None or paywall.upstream_url is None:
            await self.app(scope, receive, send)
            return
        outcome = await self.gate.admit(paywall, authorization_of(scope))
        if outcome is not None:
            await answer(send, *outcome)
            return
        await self.forward(paywall, scope, receive, send)

    async def forward(self, paywall: Paywall, scope: Scope, receive: Receive, send: Send) -> None:
        kit = self.gate.kit
        assert kit is not None
        target = upstream_target(paywall, scope)
        if target is None:
            await answer(send, 404, _envelope("not_found", "Paths with . or .. segments are not forwarded."))
            return
        declared = next((v for n, v in scope["headers"] if n == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > kit.upstream_max_request_bytes):
            await answer(send, 413, _envelope("payload_too_large", "The request body is too large for this upstream.",
                                              limit=kit.upstream_max_request_bytes))
            return
        content = _request_body(receive, kit.upstream_max_request_bytes) if _has_body(scope) else None
        request = kit.upstream.build_request(scope["method"], target, headers=forwarded_headers(scope), content=content)
        try:
            response = await kit.upstream.send(request, stream=True)
        except _RequestTooLarge:
            await answer(send, 413, _envelope("payload_too_large", "The request body is too large for this upstream.",
                                              limit=kit.upstream_max_request_bytes))
            return
        except _ClientGone:
            return
        except Blocked as exc:
            await answer(send, 502, _envelope("upstream_blocked", "This paywall's upstream is not a public address.",
                                              reason=exc.reason_code, service=paywall.service))
            return
        except httpx.TimeoutException:
            await answer(send, 504, _envelope("upstream_timeout", "The upstream service did not answer in time.",
                                              service=paywall.service), {"retry-after": "5"})
            return
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            _log.info("upstream_unreachable", service=paywall.service, error=type(exc).__name__)
            await answer(send, 502, _envelope("upstream_unreachable", "The upstream service could not be reached.",
                                              reason=type(exc).__name__, service=paywall.service))
            return
        try:
            await self._relay(paywall, response, send, kit.upstream_max_response_bytes)
        finally:
            await response.aclose()

    @staticmethod
    async def _relay(paywall: Paywall, response: httpx.Response, send: Send, limit: int) -> None:
        length = response.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await answer(send, 502, _envelope("upstream_response_too_large",
                                              "The upstream's answer is larger than this paywall relays.",
                                              limit=limit, service=paywall.service))
            return
        chunks = response.aiter_raw()
        try:  # the first chunk before the status: a timeout here is still a clean 504
            first = await anext(chunks, b"")
        except httpx.TimeoutException:
            await answer(send, 504, _envelope("upstream_timeout", "The upstream service did not answer in time.",
                                              service=paywall.service), {"retry-after": "5"})
            return
        except httpx.HTTPError as exc:
            await answer(send, 502, _envelope("upstream_unreachable", "The upstream's answer broke off.",
                                              reason=type(exc).__name__, service=paywall.service))
            return
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": relayed_headers(response)})
        total = len(first)
        if total > limit:
            raise UpstreamAborted(f"{paywall.service}: upstream body over {limit} bytes")
        if first:
            await send({"type": "http.response.body", "body": first, "more_body": True})
        try:
            async for chunk in chunks:
                total += len(chunk)
                if total > limit:
                    raise UpstreamAborted(f"{paywall.service}: upstream body over {limit} bytes")
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.HTTPError as exc:
            raise UpstreamAborted(f"{paywall.service}: upstream body broke off ({type(exc).__name__})") from None
        await send({"type": "http.response.body", "body": b"", "more_body": False})
