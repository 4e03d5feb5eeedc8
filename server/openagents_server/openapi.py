"""What /openapi.json says about the control plane's credentials and error bodies."""

from __future__ import annotations

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import SecurityScheme
from msgspec import Struct

#: Security schemes for the app's OpenAPI components.
SECURITY_SCHEMES = {
    "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="oa_at_… or oa_pat_…",
                             description="Access token from /api/auth/verify or a personal access token"),
    "sessionCookie": SecurityScheme(type="apiKey", name="oa_session", security_scheme_in="cookie",
                                    description="Browser session; mutations also need the x-csrf-token header"),
}
#: Either credential authenticates a protected route.
SECURED = [{"bearer": []}, {"sessionCookie": []}]


class ErrorDetail(Struct, omit_defaults=True):
    code: str
    message: str
    reason: str | None = None
    reauth_required: bool | None = None


class ErrorBody(Struct, omit_defaults=True):
    """The error envelope (ARCHITECTURE §5)."""

    message: str
    error: ErrorDetail
    errors: dict[str, list[str]] | None = None


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, generate_examples=False, description=description)


ERRORS = {
    401: _spec("unauthorized (sign in or refresh) or reauth_required (session over: sign in again)"),
    403: _spec("forbidden: csrf_failed, cross_site_request, session_required, missing_ability, …"),
    413: _spec("payload_too_large: bodies are limited to 16 KiB"),
    404: _spec("not_found: no such resource, or one the caller may not see"),
    409: _spec("conflict: the resource's state does not allow it (the code names the rule)"),
    422: _spec("invalid_request with field errors, invalid_code, code_expired, invalid_scope …"),
    429: _spec("rate_limited; Retry-After says when to try again"),
    503: _spec("service_unavailable: a dependency is down; Retry-After when known"),
}
