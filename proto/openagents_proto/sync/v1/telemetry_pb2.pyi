from openagents_proto.sync.v1 import khala_pb2 as _khala_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ClientTelemetryEvent(_message.Message):
    __slots__ = ("schema_version", "event_id", "occurred_at_unix_ms", "surface", "client_build_id", "app_version", "protocol_version", "topic", "topic_class", "actor_scope_hash", "session_id", "reconnect", "auth_failure", "replay", "storage_reset", "renderer_fallback")
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SURFACE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    APP_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    TOPIC_CLASS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_SCOPE_HASH_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    RECONNECT_FIELD_NUMBER: _ClassVar[int]
    AUTH_FAILURE_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    STORAGE_RESET_FIELD_NUMBER: _ClassVar[int]
    RENDERER_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    schema_version: str
    event_id: str
    occurred_at_unix_ms: int
    surface: _khala_pb2.ClientSurface
    client_build_id: str
    app_version: str
    protocol_version: str
    topic: str
    topic_class: str
    actor_scope_hash: str
    session_id: str
    reconnect: ReconnectTelemetry
    auth_failure: AuthFailureTelemetry
    replay: ReplayTelemetry
    storage_reset: StorageResetTelemetry
    renderer_fallback: RendererFallbackTelemetry
    def __init__(self, schema_version: _Optional[str] = ..., event_id: _Optional[str] = ..., occurred_at_unix_ms: _Optional[int] = ..., surface: _Optional[_Union[_khala_pb2.ClientSurface, str]] = ..., client_build_id: _Optional[str] = ..., app_version: _Optional[str] = ..., protocol_version: _Optional[str] = ..., topic: _Optional[str] = ..., topic_class: _Optional[str] = ..., actor_scope_hash: _Optional[str] = ..., session_id: _Optional[str] = ..., reconnect: _Optional[_Union[ReconnectTelemetry, _Mapping]] = ..., auth_failure: _Optional[_Union[AuthFailureTelemetry, _Mapping]] = ..., replay: _Optional[_Union[ReplayTelemetry, _Mapping]] = ..., storage_reset: _Optional[_Union[StorageResetTelemetry, _Mapping]] = ..., renderer_fallback: _Optional[_Union[RendererFallbackTelemetry, _Mapping]] = ...) -> None: ...

class ReconnectTelemetry(_message.Message):
    __slots__ = ("attempt", "backoff_ms", "resumed", "last_applied_seq", "reason_code")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_MS_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    LAST_APPLIED_SEQ_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    backoff_ms: int
    resumed: bool
    last_applied_seq: int
    reason_code: str
    def __init__(self, attempt: _Optional[int] = ..., backoff_ms: _Optional[int] = ..., resumed: _Optional[bool] = ..., last_applied_seq: _Optional[int] = ..., reason_code: _Optional[str] = ...) -> None: ...

class AuthFailureTelemetry(_message.Message):
    __slots__ = ("http_status", "reason_code", "refresh_attempted")
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REFRESH_ATTEMPTED_FIELD_NUMBER: _ClassVar[int]
    http_status: int
    reason_code: str
    refresh_attempted: bool
    def __init__(self, http_status: _Optional[int] = ..., reason_code: _Optional[str] = ..., refresh_attempted: _Optional[bool] = ...) -> None: ...

class ReplayTelemetry(_message.Message):
    __slots__ = ("status", "requested_after_seq", "oldest_available_seq", "head_seq", "catchup_duration_ms")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    OLDEST_AVAILABLE_SEQ_FIELD_NUMBER: _ClassVar[int]
    HEAD_SEQ_FIELD_NUMBER: _ClassVar[int]
    CATCHUP_DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    status: str
    requested_after_seq: int
    oldest_available_seq: int
    head_seq: int
    catchup_duration_ms: int
    def __init__(self, status: _Optional[str] = ..., requested_after_seq: _Optional[int] = ..., oldest_available_seq: _Optional[int] = ..., head_seq: _Optional[int] = ..., catchup_duration_ms: _Optional[int] = ...) -> None: ...

class StorageResetTelemetry(_message.Message):
    __slots__ = ("reason_code", "stores", "watermarks_kept", "records_dropped")
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    STORES_FIELD_NUMBER: _ClassVar[int]
    WATERMARKS_KEPT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_DROPPED_FIELD_NUMBER: _ClassVar[int]
    reason_code: str
    stores: _containers.RepeatedScalarFieldContainer[str]
    watermarks_kept: bool
    records_dropped: int
    def __init__(self, reason_code: _Optional[str] = ..., stores: _Optional[_Iterable[str]] = ..., watermarks_kept: _Optional[bool] = ..., records_dropped: _Optional[int] = ...) -> None: ...

class RendererFallbackTelemetry(_message.Message):
    __slots__ = ("from_renderer", "to_renderer", "reason_code")
    FROM_RENDERER_FIELD_NUMBER: _ClassVar[int]
    TO_RENDERER_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    from_renderer: str
    to_renderer: str
    reason_code: str
    def __init__(self, from_renderer: _Optional[str] = ..., to_renderer: _Optional[str] = ..., reason_code: _Optional[str] = ...) -> None: ...
