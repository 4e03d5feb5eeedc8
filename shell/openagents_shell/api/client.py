"""Requests to the control service and the error envelope mapped to what a person sees.

Every answer becomes one :data:`Outcome`: ``Ok`` with the decoded ``data``, or a problem the page
shows as it is (``FieldErrors`` at the fields, ``SignInNeeded`` → ``/login?next=…``, ``NotAllowed``,
``NotFound``, ``Conflict`` with a reload option, ``RateLimited`` with a countdown, ``ReloadNeeded``
for a stale bundle, ``Unavailable`` after the retries). Mutations carry one ``Idempotency-Key`` for
all their tries, and the ``x-csrf-token`` echo of the readable CSRF cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec

from openagents_shell.host.base import Clock, Cookies, Fetch, HttpResponse, NetworkError

T = TypeVar("T")

CSRF_COOKIES = ("__Host-oa_csrf", "oa_csrf")
MUTATIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: 5xx / network retries: 0.5 s × 2ⁿ (with ±25 % jitter), capped at 8 s, this many tries in all.
RETRY_BASE_S = 0.5
RETRY_CAP_S = 8.0
TRIES = 4


class ErrorBody(msgspec.Struct):
    code: str
    message: str
    reason: str | None = None
    retry_after: float | None = None


class Envelope(msgspec.Struct):
    """``{"message", "error": {"code", "message", "reason"?}, "errors"?}``."""

    message: str
    error: ErrorBody
    errors: dict[str, list[str]] | None = None


class _Data(msgspec.Struct, Generic[T]):
    data: T


# ---- outcomes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ok(Generic[T]):
    data: T


@dataclass(frozen=True)
class FieldErrors:
    """422: messages at the fields (``fields``) and one for the form."""

    message: str
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    code: str = "validation_failed"


@dataclass(frozen=True)
class SignInNeeded:
    """401 after a failed silent refresh, or ``reauth_required``: sign in, then back to ``next``."""

    next: str
    reason: str | None = None

    @property
    def href(self) -> str:
        from urllib.parse import quote

        return f"/login?next={quote(self.next, safe='/')}"


@dataclass(frozen=True)
class Problem:
    """403 not allowed, 404 not found, 409 conflict (offer a reload), 426 reload into the served bundle."""

    kind: str  # not_allowed | not_found | conflict | reload
    message: str
    code: str = ""


@dataclass(frozen=True)
class RateLimited:
    """429: a countdown from ``Retry-After``, then the page may retry."""

    retry_after_s: float
    message: str
    code: str = "rate_limited"


@dataclass(frozen=True)
class Unavailable:
    """5xx or no answer after :data:`TRIES` tries; ``offline`` when no HTTP answer came at all."""

    message: str
    offline: bool


Outcome = Ok[Any] | FieldErrors | SignInNeeded | Problem | RateLimited | Unavailable

_PROBLEM_KIND = {403: "not_allowed", 404: "not_found", 409: "conflict", 426: "reload"}
_DEFAULT_MESSAGE = {403: "You are not allowed to do that.", 404: "Not found.",
                    409: "This changed elsewhere. Reload to see the latest version.",
                    426: "A new version of the app is available. Reload to continue."}


def backoff_s(attempt: int, random: float) -> float:
    """The wait before retry ``attempt`` (0-based): base × 2ⁿ capped, jittered by ±25 %."""
    return min(RETRY_CAP_S, RETRY_BASE_S * 2 ** attempt) * (0.75 + 0.5 * random)


def _envelope(response: HttpResponse) -> Envelope | None:
    try:
        return msgspec.json.decode(response.body, type=Envelope)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _retry_after(response: HttpResponse, env: Envelope | None) -> float:
    raw = response.headers.get("retry-after")
    try:
        if raw is not None:
            return max(0.0, float(raw))
    except ValueError:
        pass
    if env is not None and env.error.retry_after is not None:
        return env.error.retry_after
    return 1.0


class ApiClient:
    def __init__(self, fetch: Fetch, cookies: Cookies, clock: Clock, *, current_path: str = "/") -> None:
        self.fetch = fetch
        self.cookies = cookies
        self.clock = clock
        self.current_path = current_path  # where sign-in comes back to (kept up to date by the runtime)

    def _csrf(self) -> str | None:
        for name in CSRF_COOKIES:
            value = self.cookies.get(name)
            if value:
                return value
        return None

    def _headers(self, method: str, body: bytes | None, key: str | None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        if method in MUTATIONS:
            csrf = self._csrf()
            if csrf:
                headers["x-csrf-token"] = csrf
            if key:
                headers["idempotency-key"] = key
        return headers

    async def _send(self, method: str, path: str, body: bytes | None, key: str | None) -> HttpResponse | Unavailable:
        """One logical request: retried on network errors and 5xx with backoff (same idempotency key)."""
        last: HttpResponse | None = None
        offline = False
        for attempt in range(TRIES):
            if attempt:
                await self.clock.sleep(backoff_s(attempt - 1, self.clock.random()))
            try:
                last = await self.fetch.fetch(method, path, self._headers(method, body, key), body)
            except NetworkError:
                offline, last = True, None
                continue
            offline = False
            if last.status < 500:
                return last
        if last is not None:
            env = _envelope(last)
            return Unavailable(env.message if env else "The service is unavailable. Try again shortly.", offline=False)
        return Unavailable("You are offline. We will retry when the connection is back.", offline=offline)

    async def _refresh(self) -> bool:
        answer = await self._send("POST", "/api/auth/refresh", b"{}", None)
        return isinstance(answer, HttpResponse) and answer.status == 200

    async def request(self, method: str, path: str, type: type[T], payload: object = None) -> Outcome:
        """Send ``payload`` (a Struct or dict, JSON-encoded) and decode ``{"data": T}`` on success."""
        method = method.upper()
        body = None if payload is None else msgspec.json.encode(payload)
        key = self.clock.token() if method in MUTATIONS else None
        answer = await self._send(method, path, body, key)
        if isinstance(answer, HttpResponse) and answer.status == 401 and path != "/api/auth/refresh":
            env = _envelope(answer)
            if env is not None and env.error.code == "reauth_required":
                return SignInNeeded(self.current_path, env.error.reason or env.message)
            if await self._refresh():
                answer = await self._send(method, path, body, key)
        return self._outcome(answer, type)

    def _outcome(self, answer: HttpResponse | Unavailable, type: type[T]) -> Outcome:
        if isinstance(answer, Unavailable):
            return answer
        status = answer.status
        if 200 <= status < 300:
            return Ok(msgspec.json.decode(answer.body, type=_Data[type]).data)  # type: ignore[valid-type]
        env = _envelope(answer)
        message = env.message if env else f"Request failed ({status})."
        code = env.error.code if env else ""
        if status == 401:
            return SignInNeeded(self.current_path, env.error.reason if env else None)
        if status in (400, 422):
            fields = {k: tuple(v) for k, v in (env.errors or {}).items()} if env else {}
            return FieldErrors(message, fields, code or "validation_failed")
        if status == 429:
            return RateLimited(_retry_after(answer, env), message, code or "rate_limited")
        if status in _PROBLEM_KIND:
            if status == 403 and code == "reauth_required":
                return SignInNeeded(self.current_path, env.error.reason if env else None)
            return Problem(_PROBLEM_KIND[status], message if env else _DEFAULT_MESSAGE[status], code)
        return Problem("not_allowed" if status < 500 else "unavailable", message, code)
