import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from openagents_proto.codex.v1 import workers_pb2 as _workers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodexAuthHydrationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEX_AUTH_HYDRATION_STATUS_UNSPECIFIED: _ClassVar[CodexAuthHydrationStatus]
    CODEX_AUTH_HYDRATION_STATUS_AUTHENTICATED: _ClassVar[CodexAuthHydrationStatus]
    CODEX_AUTH_HYDRATION_STATUS_DEVICE_FLOW_PENDING: _ClassVar[CodexAuthHydrationStatus]
    CODEX_AUTH_HYDRATION_STATUS_UNAUTHENTICATED: _ClassVar[CodexAuthHydrationStatus]
    CODEX_AUTH_HYDRATION_STATUS_EXPIRED: _ClassVar[CodexAuthHydrationStatus]
    CODEX_AUTH_HYDRATION_STATUS_FAILED: _ClassVar[CodexAuthHydrationStatus]
CODEX_AUTH_HYDRATION_STATUS_UNSPECIFIED: CodexAuthHydrationStatus
CODEX_AUTH_HYDRATION_STATUS_AUTHENTICATED: CodexAuthHydrationStatus
CODEX_AUTH_HYDRATION_STATUS_DEVICE_FLOW_PENDING: CodexAuthHydrationStatus
CODEX_AUTH_HYDRATION_STATUS_UNAUTHENTICATED: CodexAuthHydrationStatus
CODEX_AUTH_HYDRATION_STATUS_EXPIRED: CodexAuthHydrationStatus
CODEX_AUTH_HYDRATION_STATUS_FAILED: CodexAuthHydrationStatus

class CodexTokenReference(_message.Message):
    __slots__ = ("token_ref", "provider", "scopes", "expires_at", "refreshable")
    TOKEN_REF_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    REFRESHABLE_FIELD_NUMBER: _ClassVar[int]
    token_ref: str
    provider: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    expires_at: _timestamp_pb2.Timestamp
    refreshable: bool
    def __init__(self, token_ref: _Optional[str] = ..., provider: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., refreshable: _Optional[bool] = ...) -> None: ...

class CodexDeviceFlow(_message.Message):
    __slots__ = ("flow_id", "provider", "verification_uri", "user_code_ref", "expires_at", "poll_interval_seconds", "status")
    FLOW_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_URI_FIELD_NUMBER: _ClassVar[int]
    USER_CODE_REF_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    POLL_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    flow_id: str
    provider: str
    verification_uri: str
    user_code_ref: str
    expires_at: _timestamp_pb2.Timestamp
    poll_interval_seconds: int
    status: str
    def __init__(self, flow_id: _Optional[str] = ..., provider: _Optional[str] = ..., verification_uri: _Optional[str] = ..., user_code_ref: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., poll_interval_seconds: _Optional[int] = ..., status: _Optional[str] = ...) -> None: ...

class CodexAuthState(_message.Message):
    __slots__ = ("worker_id", "hydration_status", "provider", "token_reference", "device_flow", "status_reason", "observed_at", "metadata", "projection")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    HYDRATION_STATUS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FLOW_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    hydration_status: CodexAuthHydrationStatus
    provider: str
    token_reference: CodexTokenReference
    device_flow: CodexDeviceFlow
    status_reason: str
    observed_at: _timestamp_pb2.Timestamp
    metadata: _containers.ScalarMap[str, str]
    projection: _workers_pb2.RuntimeProjection
    def __init__(self, worker_id: _Optional[str] = ..., hydration_status: _Optional[_Union[CodexAuthHydrationStatus, str]] = ..., provider: _Optional[str] = ..., token_reference: _Optional[_Union[CodexTokenReference, _Mapping]] = ..., device_flow: _Optional[_Union[CodexDeviceFlow, _Mapping]] = ..., status_reason: _Optional[str] = ..., observed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., projection: _Optional[_Union[_workers_pb2.RuntimeProjection, _Mapping]] = ...) -> None: ...
