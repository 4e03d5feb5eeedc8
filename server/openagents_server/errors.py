"""The error envelope (ARCHITECTURE §5) applied to every error the app can produce.

Success bodies are ``{"data": …}``. Errors are
``{"message": str, "error": {"code": str, "message": str}, "errors"?: {field: [messages]}}``.
"""

from __future__ import annotations

from typing import Any

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


class ApiError(HTTPException):
    """An error with an explicit envelope code, e.g. ``ApiError(409, "conflict", "seq mismatch")``."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=message, status_code=status_code, headers=headers)
        self.code = code
        self.errors = errors
        self.extra = extra


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
    if isinstance(exc, ApiError):
        return error_response(status, exc.code, exc.detail, exc.errors, headers, **(exc.extra or {}))
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


EXCEPTION_HANDLERS = {
    HTTPException: handle_http_exception,
    UnicodeDecodeError: handle_undecodable_body,
    Exception: handle_unexpected,
}
