"""Domain types of the control contracts (auth, sessions, orgs, sync tokens, errors)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Literal

import msgspec

from openagents_proto.errors import ContractError
from openagents_proto.types import Count, Domain, Email, NonEmpty


class AuthProvider(enum.StrEnum):
    WORKOS_EMAIL_CODE = "workos_email_code"
    LOCAL_EMAIL_CODE = "local_email_code"


class AuthChallengeStatus(enum.StrEnum):
    CODE_SENT = "code_sent"
    VERIFIED = "verified"
    EXPIRED = "expired"
    RATE_LIMITED = "rate_limited"


class SessionStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REAUTH_REQUIRED = "reauth_required"


class RevokeReason(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    USER_LOGOUT = "user_logout"
    ADMIN = "admin"
    DEVICE_REPLACED = "device_replaced"
    TOKEN_REPLAY = "token_replay"
    SECURITY_POLICY = "security_policy"
    REFRESH_TOKEN_EXPIRED = "refresh_token_expired"
    USER_DELETED = "user_deleted"
    TOKEN_REVOKED = "token_revoked"


class OrgRole(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class ControlErrorCode(enum.StrEnum):
    INVALID_REQUEST = "invalid_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    INVALID_SCOPE = "invalid_scope"
    SERVICE_UNAVAILABLE = "service_unavailable"
    INTERNAL_ERROR = "internal_error"
    REAUTH_REQUIRED = "reauth_required"
    SESSION_REVOKED = "session_revoked"
    UPGRADE_REQUIRED = "upgrade_required"


# HTTP status of each code in the error envelope (anchor: ARCHITECTURE.md section 5).
HTTP_STATUS: dict[ControlErrorCode, int] = {
    ControlErrorCode.INVALID_REQUEST: 422,
    ControlErrorCode.UNAUTHORIZED: 401,
    ControlErrorCode.FORBIDDEN: 403,
    ControlErrorCode.NOT_FOUND: 404,
    ControlErrorCode.CONFLICT: 409,
    ControlErrorCode.RATE_LIMITED: 429,
    ControlErrorCode.INVALID_SCOPE: 422,
    ControlErrorCode.SERVICE_UNAVAILABLE: 503,
    ControlErrorCode.INTERNAL_ERROR: 500,
    ControlErrorCode.REAUTH_REQUIRED: 401,
    ControlErrorCode.SESSION_REVOKED: 401,
    ControlErrorCode.UPGRADE_REQUIRED: 426,
}
# Codes after which refreshing cannot help: the user must sign in again.
REAUTH_CODES = frozenset({ControlErrorCode.REAUTH_REQUIRED, ControlErrorCode.SESSION_REVOKED})
SYNC_AUDIENCE = "openagents-sync"
SYNC_TOKEN_TTL_RANGE = (60, 900)  # anchor: TTL 300 s, clamped to 60..900


def _redacted(value: str) -> str:
    return "<redacted>" if value else "''"


class AuthChallengeRequest(Domain, kw_only=True):
    email: Email
    provider: AuthProvider = AuthProvider.WORKOS_EMAIL_CODE
    device_id: NonEmpty
    request_id: str = ""
    client_build_id: str = ""


class AuthChallengeResponse(Domain, kw_only=True):
    request_id: str = ""
    challenge_id: NonEmpty
    provider: AuthProvider
    status: AuthChallengeStatus
    delivery_channel: Literal["email"] = "email"
    email_hint: str = ""
    resend_allowed: bool = False
    pending_workos_user_id: str = ""
    expires_at: dt.datetime | None = None


class AuthVerifyRequest(Domain, kw_only=True):
    challenge_id: str = ""  # the HTTP API may identify the challenge by email instead
    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{6}$")]
    device_id: str = ""
    email: str = ""
    request_id: str = ""

    def __post_init__(self) -> None:
        if not (self.challenge_id or self.email):
            raise ContractError("challenge_id", "missing", "name the challenge (challenge_id or email)")

    def __repr__(self) -> str:
        return f"AuthVerifyRequest(challenge_id={self.challenge_id!r}, code=<redacted>, device_id={self.device_id!r})"


class OrgMembership(Domain, kw_only=True):
    org_id: NonEmpty
    org_slug: NonEmpty
    role: OrgRole
    role_scopes: list[str] = []
    default_org: bool = False


class Identity(Domain, kw_only=True):
    workos_user_id: str = ""
    email: Email
    display_name: str = ""


class Session(Domain, kw_only=True):
    """A signed-in session. Tokens are set only where they are issued (verify, refresh)."""

    session_id: NonEmpty
    user_id: NonEmpty
    device_id: NonEmpty
    status: SessionStatus
    active_org_id: NonEmpty
    access_token: str = ""
    refresh_token: str = ""
    refresh_token_id: str = ""
    memberships: list[OrgMembership] = []
    identity: Identity | None = None
    reauth_required: bool = False
    access_token_expires_at: dt.datetime | None = None
    refresh_token_expires_at: dt.datetime | None = None
    created_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.memberships and self.active_org_id not in {m.org_id for m in self.memberships}:
            raise ContractError("active_org_id", "mismatch", f"{self.active_org_id!r} is not one of the memberships")
        if sum(m.default_org for m in self.memberships) > 1:
            raise ContractError("memberships", "duplicate", "at most one membership is the default org")
        if self.status is SessionStatus.ACTIVE and self.reauth_required:
            raise ContractError("reauth_required", "mismatch", "an active session cannot require reauthentication")

    def __repr__(self) -> str:
        return (f"Session(session_id={self.session_id!r}, user_id={self.user_id!r}, device_id={self.device_id!r}, "
                f"status={self.status.value!r}, access_token={_redacted(self.access_token)}, "
                f"refresh_token={_redacted(self.refresh_token)})")


class AuthVerifyResponse(Domain, kw_only=True):
    request_id: str = ""
    new_user: bool = False
    token_type: Literal["Bearer"] = "Bearer"
    session: Session

    def __post_init__(self) -> None:
        if not (self.session.access_token and self.session.refresh_token):
            raise ContractError("session.access_token", "missing", "a verified login issues both tokens")


class SessionRefreshRequest(Domain, kw_only=True):
    refresh_token: NonEmpty
    device_id: str = ""
    request_id: str = ""

    def __repr__(self) -> str:
        return f"SessionRefreshRequest(refresh_token=<redacted>, device_id={self.device_id!r})"


class SessionRefreshResponse(Domain, kw_only=True):
    request_id: str = ""
    replaced_refresh_token_id: NonEmpty
    session: Session

    def __post_init__(self) -> None:
        if self.session.refresh_token_id == self.replaced_refresh_token_id:
            raise ContractError("session.refresh_token_id", "mismatch", "refresh must rotate the refresh token")


class GetSessionRequest(Domain, kw_only=True):
    request_id: str = ""


class GetSessionResponse(Domain, kw_only=True):
    request_id: str = ""
    session: Session

    def __post_init__(self) -> None:
        if self.session.access_token or self.session.refresh_token:
            raise ContractError("session.access_token", "invalid", "the session view never carries tokens")


class SessionRevokeRequest(Domain, kw_only=True):
    """At most one target: session_ids, device_id or revoke_all; none = the caller's own session."""

    request_id: str = ""
    session_ids: list[NonEmpty] = []
    reason: RevokeReason = RevokeReason.USER_LOGOUT
    device_id: str = ""
    revoke_all: bool = False
    include_current: bool = False

    def __post_init__(self) -> None:
        targets = [name for name, on in (("session_ids", bool(self.session_ids)), ("device_id", bool(self.device_id)),
                                         ("revoke_all", self.revoke_all)) if on]
        if len(targets) > 1:
            raise ContractError(targets[1], "mismatch", f"name one target, not {' and '.join(targets)}")
        if self.include_current and not self.revoke_all:
            raise ContractError("include_current", "mismatch", "only applies with revoke_all")


class SessionRevokeResponse(Domain, kw_only=True):
    request_id: str = ""
    revoked_session_ids: list[NonEmpty] = []
    revoked_at: dt.datetime | None = None


class FieldViolation(Domain, kw_only=True):
    field: NonEmpty
    message: NonEmpty


class ControlError(Domain, kw_only=True):
    request_id: str = ""
    code: ControlErrorCode
    message: NonEmpty
    reauth_required: bool = False
    errors: list[FieldViolation] = []
    retry_after_seconds: Count = 0

    def __post_init__(self) -> None:
        if (self.code in REAUTH_CODES) != self.reauth_required:
            raise ContractError("reauth_required", "mismatch",
                                f"must be {self.code in REAUTH_CODES} for code {self.code.value}")

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]


class ListMembershipsRequest(Domain, kw_only=True):
    request_id: str = ""


class ListMembershipsResponse(Domain, kw_only=True):
    request_id: str = ""
    memberships: list[OrgMembership] = []
    active_org_id: str = ""


class SetActiveOrgRequest(Domain, kw_only=True):
    org_id: NonEmpty
    request_id: str = ""


class SetActiveOrgResponse(Domain, kw_only=True):
    request_id: str = ""
    active_org_id: NonEmpty
    membership: OrgMembership

    def __post_init__(self) -> None:
        if self.membership.org_id != self.active_org_id:
            raise ContractError("membership.org_id", "mismatch", "must be the active org")


class SyncTokenRequest(Domain, kw_only=True):
    request_id: str = ""
    scopes: list[NonEmpty] = []
    topics: list[NonEmpty] = []
    device_id: str = ""
    ttl_seconds: Count = 0  # 0 = the default (300 s)


class TopicGrant(Domain, kw_only=True):
    topic: NonEmpty
    required_scope: NonEmpty


class SyncTokenResponse(Domain, kw_only=True):
    request_id: str = ""
    session_id: NonEmpty
    device_id: str = ""
    token: NonEmpty
    token_type: Literal["Bearer"] = "Bearer"
    expires_in_seconds: int
    issuer: NonEmpty
    audience: Literal["openagents-sync"] = SYNC_AUDIENCE
    subject: NonEmpty
    org_id: str = ""
    claims_version: NonEmpty
    key_id: str = ""
    token_id: NonEmpty
    granted_scopes: list[NonEmpty] = []
    granted_topics: list[TopicGrant] = []
    expires_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        low, high = SYNC_TOKEN_TTL_RANGE
        if not low <= self.expires_in_seconds <= high:
            raise ContractError("expires_in_seconds", "out_of_range", f"must be within {low}..{high}")
        granted = set(self.granted_scopes)
        for index, grant in enumerate(self.granted_topics):
            if grant.required_scope not in granted:
                raise ContractError(f"granted_topics[{index}].required_scope", "mismatch",
                                    f"{grant.required_scope!r} is not among granted_scopes")

    def __repr__(self) -> str:
        return (f"SyncTokenResponse(token=<redacted>, token_id={self.token_id!r}, subject={self.subject!r}, "
                f"granted_scopes={self.granted_scopes!r})")


class ControlEnvelope(Domain, kw_only=True):
    """The result of one control operation: exactly one payload is set."""

    request_id: str = ""
    challenge: AuthChallengeResponse | None = None
    verify: AuthVerifyResponse | None = None
    refresh: SessionRefreshResponse | None = None
    session: GetSessionResponse | None = None
    revoke: SessionRevokeResponse | None = None
    sync_token: SyncTokenResponse | None = None
    error: ControlError | None = None

    def __post_init__(self) -> None:
        if len(self.payload_names()) != 1:
            raise ContractError("payload", "missing" if not self.payload_names() else "duplicate",
                                "exactly one payload must be set")

    def payload_names(self) -> list[str]:
        return [name for name in ("challenge", "verify", "refresh", "session", "revoke", "sync_token", "error")
                if getattr(self, name) is not None]
