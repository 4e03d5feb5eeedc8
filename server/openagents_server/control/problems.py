"""The control plane's errors, each an :class:`ApiError` with a stable envelope code.

401 ``unauthorized`` means "no valid credential: sign in (or refresh)"; 401 ``reauth_required`` means
"this session is over for good (revoked, replayed, replaced): sign in again, do not retry".
"""

from __future__ import annotations

from openagents_server.errors import ApiError


def unauthorized(message: str = "Unauthenticated.", reason: str = "missing_credentials") -> ApiError:
    return ApiError(
        401, "unauthorized", message,
        headers={"WWW-Authenticate": 'Bearer realm="openagents"'},
        extra={"reason": reason, "reauth_required": False},
    )


def reauth_required(reason: str, message: str = "Session requires reauthentication.") -> ApiError:
    return ApiError(
        401, "reauth_required", message,
        headers={"WWW-Authenticate": 'Bearer realm="openagents", error="invalid_token"'},
        extra={"reason": reason, "reauth_required": True},
    )


def forbidden(message: str, reason: str = "forbidden") -> ApiError:
    return ApiError(403, "forbidden", message, extra={"reason": reason})


def not_found(message: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", message)


def invalid(field: str, message: str, code: str = "invalid_request") -> ApiError:
    return ApiError(422, code, "The given data was invalid.", errors={field: [message]})


def invalid_scope(message: str, scopes: list[str]) -> ApiError:
    return ApiError(422, "invalid_scope", message, errors={"scopes": [message]}, extra={"scopes": scopes})


def rate_limited(retry_after: int) -> ApiError:
    return ApiError(
        429, "rate_limited", "Too many requests. Try again later.",
        headers={"Retry-After": str(retry_after)}, extra={"retry_after": retry_after},
    )


def unavailable(message: str, retry_after: int | None = None) -> ApiError:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return ApiError(503, "service_unavailable", message, headers=headers)
