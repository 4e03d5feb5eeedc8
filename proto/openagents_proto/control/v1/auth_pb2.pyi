import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openagents_proto.control.v1 import orgs_pb2 as _orgs_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AuthProvider(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_PROVIDER_UNSPECIFIED: _ClassVar[AuthProvider]
    AUTH_PROVIDER_WORKOS_EMAIL_CODE: _ClassVar[AuthProvider]
    AUTH_PROVIDER_LOCAL_EMAIL_CODE: _ClassVar[AuthProvider]

class AuthChallengeStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTH_CHALLENGE_STATUS_UNSPECIFIED: _ClassVar[AuthChallengeStatus]
    AUTH_CHALLENGE_STATUS_CODE_SENT: _ClassVar[AuthChallengeStatus]
    AUTH_CHALLENGE_STATUS_VERIFIED: _ClassVar[AuthChallengeStatus]
    AUTH_CHALLENGE_STATUS_EXPIRED: _ClassVar[AuthChallengeStatus]
    AUTH_CHALLENGE_STATUS_RATE_LIMITED: _ClassVar[AuthChallengeStatus]

class SessionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATUS_UNSPECIFIED: _ClassVar[SessionStatus]
    SESSION_STATUS_ACTIVE: _ClassVar[SessionStatus]
    SESSION_STATUS_REVOKED: _ClassVar[SessionStatus]
    SESSION_STATUS_EXPIRED: _ClassVar[SessionStatus]
    SESSION_STATUS_REAUTH_REQUIRED: _ClassVar[SessionStatus]

class RevokeReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVOKE_REASON_UNSPECIFIED: _ClassVar[RevokeReason]
    REVOKE_REASON_USER_LOGOUT: _ClassVar[RevokeReason]
    REVOKE_REASON_ADMIN: _ClassVar[RevokeReason]
    REVOKE_REASON_DEVICE_REPLACED: _ClassVar[RevokeReason]
    REVOKE_REASON_TOKEN_REPLAY: _ClassVar[RevokeReason]
    REVOKE_REASON_SECURITY_POLICY: _ClassVar[RevokeReason]
    REVOKE_REASON_REFRESH_TOKEN_EXPIRED: _ClassVar[RevokeReason]
    REVOKE_REASON_USER_DELETED: _ClassVar[RevokeReason]
    REVOKE_REASON_TOKEN_REVOKED: _ClassVar[RevokeReason]

class ControlErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTROL_ERROR_CODE_UNSPECIFIED: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_INVALID_REQUEST: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_UNAUTHORIZED: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_FORBIDDEN: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_NOT_FOUND: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_CONFLICT: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_RATE_LIMITED: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_INVALID_SCOPE: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_SERVICE_UNAVAILABLE: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_INTERNAL_ERROR: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_REAUTH_REQUIRED: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_SESSION_REVOKED: _ClassVar[ControlErrorCode]
    CONTROL_ERROR_CODE_UPGRADE_REQUIRED: _ClassVar[ControlErrorCode]
AUTH_PROVIDER_UNSPECIFIED: AuthProvider
AUTH_PROVIDER_WORKOS_EMAIL_CODE: AuthProvider
AUTH_PROVIDER_LOCAL_EMAIL_CODE: AuthProvider
AUTH_CHALLENGE_STATUS_UNSPECIFIED: AuthChallengeStatus
AUTH_CHALLENGE_STATUS_CODE_SENT: AuthChallengeStatus
AUTH_CHALLENGE_STATUS_VERIFIED: AuthChallengeStatus
AUTH_CHALLENGE_STATUS_EXPIRED: AuthChallengeStatus
AUTH_CHALLENGE_STATUS_RATE_LIMITED: AuthChallengeStatus
SESSION_STATUS_UNSPECIFIED: SessionStatus
SESSION_STATUS_ACTIVE: SessionStatus
SESSION_STATUS_REVOKED: SessionStatus
SESSION_STATUS_EXPIRED: SessionStatus
SESSION_STATUS_REAUTH_REQUIRED: SessionStatus
REVOKE_REASON_UNSPECIFIED: RevokeReason
REVOKE_REASON_USER_LOGOUT: RevokeReason
REVOKE_REASON_ADMIN: RevokeReason
REVOKE_REASON_DEVICE_REPLACED: RevokeReason
REVOKE_REASON_TOKEN_REPLAY: RevokeReason
REVOKE_REASON_SECURITY_POLICY: RevokeReason
REVOKE_REASON_REFRESH_TOKEN_EXPIRED: RevokeReason
REVOKE_REASON_USER_DELETED: RevokeReason
REVOKE_REASON_TOKEN_REVOKED: RevokeReason
CONTROL_ERROR_CODE_UNSPECIFIED: ControlErrorCode
CONTROL_ERROR_CODE_INVALID_REQUEST: ControlErrorCode
CONTROL_ERROR_CODE_UNAUTHORIZED: ControlErrorCode
CONTROL_ERROR_CODE_FORBIDDEN: ControlErrorCode
CONTROL_ERROR_CODE_NOT_FOUND: ControlErrorCode
CONTROL_ERROR_CODE_CONFLICT: ControlErrorCode
CONTROL_ERROR_CODE_RATE_LIMITED: ControlErrorCode
CONTROL_ERROR_CODE_INVALID_SCOPE: ControlErrorCode
CONTROL_ERROR_CODE_SERVICE_UNAVAILABLE: ControlErrorCode
CONTROL_ERROR_CODE_INTERNAL_ERROR: ControlErrorCode
CONTROL_ERROR_CODE_REAUTH_REQUIRED: ControlErrorCode
CONTROL_ERROR_CODE_SESSION_REVOKED: ControlErrorCode
CONTROL_ERROR_CODE_UPGRADE_REQUIRED: ControlErrorCode

class AuthChallengeRequest(_message.Message):
    __slots__ = ("request_id", "email", "provider", "device_id", "client_build_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    email: str
    provider: AuthProvider
    device_id: str
    client_build_id: str
    def __init__(self, request_id: _Optional[str] = ..., email: _Optional[str] = ..., provider: _Optional[_Union[AuthProvider, str]] = ..., device_id: _Optional[str] = ..., client_build_id: _Optional[str] = ...) -> None: ...

class AuthChallengeResponse(_message.Message):
    __slots__ = ("request_id", "challenge_id", "provider", "status", "delivery_channel", "email_hint", "resend_allowed", "pending_workos_user_id", "expires_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EMAIL_HINT_FIELD_NUMBER: _ClassVar[int]
    RESEND_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    PENDING_WORKOS_USER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    challenge_id: str
    provider: AuthProvider
    status: AuthChallengeStatus
    delivery_channel: str
    email_hint: str
    resend_allowed: bool
    pending_workos_user_id: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., challenge_id: _Optional[str] = ..., provider: _Optional[_Union[AuthProvider, str]] = ..., status: _Optional[_Union[AuthChallengeStatus, str]] = ..., delivery_channel: _Optional[str] = ..., email_hint: _Optional[str] = ..., resend_allowed: _Optional[bool] = ..., pending_workos_user_id: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AuthVerifyRequest(_message.Message):
    __slots__ = ("request_id", "challenge_id", "code", "device_id", "email")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    challenge_id: str
    code: str
    device_id: str
    email: str
    def __init__(self, request_id: _Optional[str] = ..., challenge_id: _Optional[str] = ..., code: _Optional[str] = ..., device_id: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class AuthVerifyResponse(_message.Message):
    __slots__ = ("request_id", "new_user", "token_type", "session")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    new_user: bool
    token_type: str
    session: Session
    def __init__(self, request_id: _Optional[str] = ..., new_user: _Optional[bool] = ..., token_type: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class Identity(_message.Message):
    __slots__ = ("workos_user_id", "email", "display_name")
    WORKOS_USER_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    workos_user_id: str
    email: str
    display_name: str
    def __init__(self, workos_user_id: _Optional[str] = ..., email: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("session_id", "user_id", "device_id", "status", "access_token", "refresh_token", "refresh_token_id", "active_org_id", "memberships", "identity", "reauth_required", "access_token_expires_at", "refresh_token_expires_at", "created_at")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIPS_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REAUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    user_id: str
    device_id: str
    status: SessionStatus
    access_token: str
    refresh_token: str
    refresh_token_id: str
    active_org_id: str
    memberships: _containers.RepeatedCompositeFieldContainer[_orgs_pb2.OrgMembership]
    identity: Identity
    reauth_required: bool
    access_token_expires_at: _timestamp_pb2.Timestamp
    refresh_token_expires_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., user_id: _Optional[str] = ..., device_id: _Optional[str] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., access_token: _Optional[str] = ..., refresh_token: _Optional[str] = ..., refresh_token_id: _Optional[str] = ..., active_org_id: _Optional[str] = ..., memberships: _Optional[_Iterable[_Union[_orgs_pb2.OrgMembership, _Mapping]]] = ..., identity: _Optional[_Union[Identity, _Mapping]] = ..., reauth_required: _Optional[bool] = ..., access_token_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refresh_token_expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SessionRefreshRequest(_message.Message):
    __slots__ = ("request_id", "refresh_token", "device_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REFRESH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    refresh_token: str
    device_id: str
    def __init__(self, request_id: _Optional[str] = ..., refresh_token: _Optional[str] = ..., device_id: _Optional[str] = ...) -> None: ...

class SessionRefreshResponse(_message.Message):
    __slots__ = ("request_id", "replaced_refresh_token_id", "session")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPLACED_REFRESH_TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    replaced_refresh_token_id: str
    session: Session
    def __init__(self, request_id: _Optional[str] = ..., replaced_refresh_token_id: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("request_id", "session")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session: Session
    def __init__(self, request_id: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class SessionRevokeRequest(_message.Message):
    __slots__ = ("request_id", "session_ids", "reason", "device_id", "revoke_all", "include_current")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKE_ALL_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CURRENT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: RevokeReason
    device_id: str
    revoke_all: bool
    include_current: bool
    def __init__(self, request_id: _Optional[str] = ..., session_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[_Union[RevokeReason, str]] = ..., device_id: _Optional[str] = ..., revoke_all: _Optional[bool] = ..., include_current: _Optional[bool] = ...) -> None: ...

class SessionRevokeResponse(_message.Message):
    __slots__ = ("request_id", "revoked_session_ids", "revoked_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REVOKED_SESSION_IDS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    revoked_session_ids: _containers.RepeatedScalarFieldContainer[str]
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., revoked_session_ids: _Optional[_Iterable[str]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "message")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    field: str
    message: str
    def __init__(self, field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ControlError(_message.Message):
    __slots__ = ("request_id", "code", "message", "reauth_required", "errors", "retry_after_seconds")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REAUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    code: ControlErrorCode
    message: str
    reauth_required: bool
    errors: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    retry_after_seconds: int
    def __init__(self, request_id: _Optional[str] = ..., code: _Optional[_Union[ControlErrorCode, str]] = ..., message: _Optional[str] = ..., reauth_required: _Optional[bool] = ..., errors: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ..., retry_after_seconds: _Optional[int] = ...) -> None: ...
