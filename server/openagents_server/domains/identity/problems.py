"""Constructors for the identity domain's refusals (domain errors; HTTP mapping lives in ``errors``).

``unauthorized`` means "no valid credential: sign in (or refresh)"; ``reauth_required`` means
"this session is over for good (revoked, replayed, replaced): sign in again, do not retry".
"""

from __future__ import annotations

from openagents_server.errors import (
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    ReauthRequired,
    Unauthorized,
    Unavailable,
)


def unauthorized(message: str = "Unauthenticated.", reason: str = "missing_credentials") -> Unauthorized:
    return Unauthorized("unauthorized", message, reason=reason)


def reauth_required(reason: str, message: str = "Session requires reauthentication.") -> ReauthRequired:
    return ReauthRequired("reauth_required", message, reason=reason)


def forbidden(message: str, reason: str = "forbidden") -> Forbidden:
    return Forbidden("forbidden", message, reason=reason)


def not_found(message: str = "Not found.") -> NotFound:
    return NotFound("not_found", message)


def invalid(field: str, message: str, code: str = "invalid_request") -> Invalid:
    return Invalid(code, "The given data was invalid.", errors={field: [message]})


def invalid_scope(message: str, scopes: list[str]) -> Invalid:
    return Invalid("invalid_scope", message, field="scopes", details={"scopes": scopes})


def rate_limited(retry_after: int) -> RateLimited:
    return RateLimited("rate_limited", "Too many requests. Try again later.", retry_after=retry_after)


def unavailable(message: str, retry_after: int | None = None) -> Unavailable:
    return Unavailable("service_unavailable", message, retry_after=retry_after)
