from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SYNC_ERROR_CODE_UNSPECIFIED: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_UNAUTHORIZED: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_FORBIDDEN_TOPIC: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_BAD_SUBSCRIPTION: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_STALE_CURSOR: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_PAYLOAD_TOO_LARGE: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_RATE_LIMITED: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_SLOW_CONSUMER: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_REAUTH_REQUIRED: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_UPGRADE_REQUIRED: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_INTERNAL: _ClassVar[SyncErrorCode]
    SYNC_ERROR_CODE_BAD_FRAME: _ClassVar[SyncErrorCode]

class StaleCursorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STALE_CURSOR_REASON_UNSPECIFIED: _ClassVar[StaleCursorReason]
    STALE_CURSOR_REASON_RETENTION_FLOOR_BREACH: _ClassVar[StaleCursorReason]
    STALE_CURSOR_REASON_REPLAY_BUDGET_EXCEEDED: _ClassVar[StaleCursorReason]

class RecoveryHint(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECOVERY_HINT_UNSPECIFIED: _ClassVar[RecoveryHint]
    RECOVERY_HINT_REHYDRATE: _ClassVar[RecoveryHint]
    RECOVERY_HINT_RESUME: _ClassVar[RecoveryHint]
    RECOVERY_HINT_REAUTHENTICATE: _ClassVar[RecoveryHint]
    RECOVERY_HINT_UPGRADE: _ClassVar[RecoveryHint]
SYNC_ERROR_CODE_UNSPECIFIED: SyncErrorCode
SYNC_ERROR_CODE_UNAUTHORIZED: SyncErrorCode
SYNC_ERROR_CODE_FORBIDDEN_TOPIC: SyncErrorCode
SYNC_ERROR_CODE_BAD_SUBSCRIPTION: SyncErrorCode
SYNC_ERROR_CODE_STALE_CURSOR: SyncErrorCode
SYNC_ERROR_CODE_PAYLOAD_TOO_LARGE: SyncErrorCode
SYNC_ERROR_CODE_RATE_LIMITED: SyncErrorCode
SYNC_ERROR_CODE_SLOW_CONSUMER: SyncErrorCode
SYNC_ERROR_CODE_REAUTH_REQUIRED: SyncErrorCode
SYNC_ERROR_CODE_UPGRADE_REQUIRED: SyncErrorCode
SYNC_ERROR_CODE_INTERNAL: SyncErrorCode
SYNC_ERROR_CODE_BAD_FRAME: SyncErrorCode
STALE_CURSOR_REASON_UNSPECIFIED: StaleCursorReason
STALE_CURSOR_REASON_RETENTION_FLOOR_BREACH: StaleCursorReason
STALE_CURSOR_REASON_REPLAY_BUDGET_EXCEEDED: StaleCursorReason
RECOVERY_HINT_UNSPECIFIED: RecoveryHint
RECOVERY_HINT_REHYDRATE: RecoveryHint
RECOVERY_HINT_RESUME: RecoveryHint
RECOVERY_HINT_REAUTHENTICATE: RecoveryHint
RECOVERY_HINT_UPGRADE: RecoveryHint

class StaleCursor(_message.Message):
    __slots__ = ("topic", "reason", "requested_watermark", "retention_floor", "head_watermark", "replay_budget", "recovery", "snapshot_path")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_WATERMARK_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FLOOR_FIELD_NUMBER: _ClassVar[int]
    HEAD_WATERMARK_FIELD_NUMBER: _ClassVar[int]
    REPLAY_BUDGET_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_PATH_FIELD_NUMBER: _ClassVar[int]
    topic: str
    reason: StaleCursorReason
    requested_watermark: int
    retention_floor: int
    head_watermark: int
    replay_budget: int
    recovery: RecoveryHint
    snapshot_path: str
    def __init__(self, topic: _Optional[str] = ..., reason: _Optional[_Union[StaleCursorReason, str]] = ..., requested_watermark: _Optional[int] = ..., retention_floor: _Optional[int] = ..., head_watermark: _Optional[int] = ..., replay_budget: _Optional[int] = ..., recovery: _Optional[_Union[RecoveryHint, str]] = ..., snapshot_path: _Optional[str] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("code", "message", "retryable", "request_id", "close_code", "retry_after_ms", "recovery", "stale_cursors", "field")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRYABLE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLOSE_CODE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    RECOVERY_FIELD_NUMBER: _ClassVar[int]
    STALE_CURSORS_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    code: SyncErrorCode
    message: str
    retryable: bool
    request_id: str
    close_code: int
    retry_after_ms: int
    recovery: RecoveryHint
    stale_cursors: _containers.RepeatedCompositeFieldContainer[StaleCursor]
    field: str
    def __init__(self, code: _Optional[_Union[SyncErrorCode, str]] = ..., message: _Optional[str] = ..., retryable: _Optional[bool] = ..., request_id: _Optional[str] = ..., close_code: _Optional[int] = ..., retry_after_ms: _Optional[int] = ..., recovery: _Optional[_Union[RecoveryHint, str]] = ..., stale_cursors: _Optional[_Iterable[_Union[StaleCursor, _Mapping]]] = ..., field: _Optional[str] = ...) -> None: ...
