"""The error envelope (ARCHITECTURE §5) applied to every error the app can produce.

Success bodies are ``{"data": …}``. Errors are
``{"message": str, "error": {"code": str, "message": str}, "errors"?: {field: [messages]}}``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import asyncpg
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from openagents_server.metrics.families import DOMAIN_ERRORS
from openagents_server.observability import current_request_id

_log = structlog.get_logger("openagents.errors")

#: Code for each status when the raiser did not name one (anchor: Laravel's envelope).
DEFAULT_CODES: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    426: "upgrade_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class DomainError(Exception):
    """A refusal by a service, with a stable ``code`` and no knowledge of HTTP.

    Services, workers, webhooks and the CLI raise these; :func:`handle_domain_error` is the one
    place that maps them onto a status and the envelope. Subclasses name the *kind* of refusal
    (``Invalid``, ``Unauthorized``, ``Forbidden`` …); the ``code`` names the rule, e.g.
    ``Invalid("invalid_code", "This code was already used.", field="code")``.

    * ``errors``: messages per field (``field=`` is a shortcut for one message at one field);
    * ``reason``: a finer, stable machine reason shown as ``error.reason``;
    * ``retry_after``: seconds, for rate limits and unavailability (sent as ``Retry-After``);
    * ``details``: further stable fields of ``error`` (``scopes``, ``head``, ``limit`` …).
    """

    #: The envelope code when the raiser names none; each subclass sets its own.
    default_code: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 422

    def __init__(
        self,
        code: str | None = None,
        message: str = "The given data was invalid.",
        *,
        field: str | None = None,
        errors: dict[str, list[str]] | None = None,
        reason: str | None = None,
        retry_after: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.errors = errors if errors is not None else ({field: [message]} if field else None)
        self.reason = reason
        self.retry_after = retry_after
        self.details = details or {}


class Invalid(DomainError):
    """The input breaks a rule (422)."""


class Unauthorized(DomainError):
    """No valid credential: sign in or refresh (401)."""

    default_code = "unauthorized"
    status = 401


class ReauthRequired(Unauthorized):
    """The session is over for good (revoked, replayed, replaced): sign in again, do not retry (401)."""

    default_code = "reauth_required"


class Forbidden(DomainError):
    default_code = "forbidden"
    status = 403


class NotFound(DomainError):
    default_code = "not_found"
    status = 404


class Conflict(DomainError):
    default_code = "conflict"
    status = 409


class Gone(DomainError):
    default_code = "gone"
    status = 410


class TooLarge(DomainError):
    default_code = "payload_too_large"
    status = 413


class RateLimited(DomainError):
    default_code = "rate_limited"
    status = 429


class Unavailable(DomainError):
    default_code = "service_unavailable"
    status = 503


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    """The one mapping from a domain refusal to HTTP: status by kind, envelope, standard headers."""
    DOMAIN_ERRORS.labels(str(exc.status), exc.code).inc()
    headers: dict[str, str] = {}
    extra: dict[str, Any] = dict(exc.details)
    if exc.reason is not None:
        extra["reason"] = exc.reason
    if isinstance(exc, Unauthorized):
        reauth = isinstance(exc, ReauthRequired)
        headers["WWW-Authenticate"] = (
            'Bearer realm="openagents", error="invalid_token"' if reauth else 'Bearer realm="openagents"'
        )
        extra.setdefault("reauth_required", reauth)
    if exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, RateLimited):
            extra.setdefault("retry_after", exc.retry_after)
    return error_response(exc.status, exc.code, exc.message, exc.errors, headers or None, **extra)


def envelope(code: str, message: str, errors: dict[str, list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "error": {"code": code, "message": message, **extra}}
    if errors:
        body["errors"] = errors
    return body


def error_response(
    status: int,
    code: str,
    message: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    return Response(
        envelope(code, message, errors, **extra),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def _validation_errors(exc: ValidationException) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or item.get("source") or "body")
        errors.setdefault(key, []).append(str(item.get("message", "invalid value")))
    if not errors:
        errors["body"] = [str(exc.detail)]
    return errors


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationException) or status == 400:
        # Litestar raises 400 for undecodable bodies and bad parameters; our contract says 422.
        errors = _validation_errors(exc) if isinstance(exc, ValidationException) else {"body": [exc.detail]}
        return error_response(422, "invalid_request", "The given data was invalid.", errors, headers)
    if isinstance(exc, NotFoundException):
        return error_response(404, "not_found", "Not found.", headers=headers)
    if isinstance(exc, MethodNotAllowedException):
        return error_response(405, "method_not_allowed", f"Method {request.method} is not allowed here.", headers=headers)
    if isinstance(exc, NotAuthorizedException):
        return error_response(401, "unauthorized", exc.detail or "Unauthenticated.", headers=headers)
    if isinstance(exc, PermissionDeniedException):
        return error_response(403, "forbidden", exc.detail or "Forbidden.", headers=headers)
    code = DEFAULT_CODES.get(status, "internal_error" if status >= 500 else "invalid_request")
    return error_response(status, code, exc.detail, headers=headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    request_id = current_request_id()
    _log.exception("unhandled_exception", path=request.url.path, method=request.method)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Internal server error.",
        request_id=request_id,
    )


def handle_undecodable_body(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[dict[str, Any]]:
    """Litestar's JSON decoding lets invalid UTF-8 escape as UnicodeDecodeError: that is bad input, not a 500."""
    return error_response(422, "invalid_request", "The given data was invalid.", {"body": ["body is not valid UTF-8"]})


def handle_too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    """JSON nested past the decoder's depth limit: bad input (one log line, no traceback), not a 500."""
    _log.info("refused_deep_nesting", path=request.url.path, method=request.method)
    return error_response(422, "invalid_request", "The given data was invalid.",
                          {"body": ["the body is nested too deeply"]})


#: Failures of the moment, not of the request: PostgreSQL chose this transaction as a deadlock or
#: serialization victim, a lock or statement waited past its timeout, the pool had no connection to
#: give, the connection dropped. The transaction was rolled back whole, so nothing half-done remains
#: and the same request may simply be sent again: 503 with ``Retry-After``, never a 500.
TRANSIENT_DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.TransactionRollbackError,     # deadlock_detected, serialization_failure
    asyncpg.LockNotAvailableError,        # lock_timeout
    asyncpg.QueryCanceledError,           # statement_timeout
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,        # the server is starting or shutting down
    asyncpg.ConnectionDoesNotExistError,  # the connection dropped mid-request
    TimeoutError,                         # pool acquire or command_timeout under load
)
TRANSIENT_RETRY_AFTER_SECONDS = 1


def handle_transient(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    DOMAIN_ERRORS.labels("503", "database_busy").inc()
    _log.warning("transient_database_failure", path=request.url.path, method=request.method,
                 error=type(exc).__name__, detail=str(exc)[:300])
    return error_response(
        503, "service_unavailable", "The service is busy; nothing was changed. Try again.",
        headers={"Retry-After": str(TRANSIENT_RETRY_AFTER_SECONDS)},
        reason="database_busy", retry_after=TRANSIENT_RETRY_AFTER_SECONDS, request_id=current_request_id(),
    )


EXCEPTION_HANDLERS = {
    **{kind: handle_transient for kind in TRANSIENT_DATABASE_ERRORS},
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    UnicodeDecodeError: handle_undecodable_body,
    RecursionError: handle_too_deep,
    Exception: handle_unexpected,
}
