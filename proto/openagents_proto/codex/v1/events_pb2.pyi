import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodexNotificationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEX_NOTIFICATION_METHOD_UNSPECIFIED: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_THREAD_STARTED: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_TURN_STARTED: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_ITEM_STARTED: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_ITEM_AGENT_MESSAGE_DELTA: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_ITEM_REASONING_DELTA: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_ITEM_COMPLETED: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_TURN_COMPLETED: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_IOS_HANDSHAKE: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_DESKTOP_HANDSHAKE_ACK: _ClassVar[CodexNotificationMethod]
    CODEX_NOTIFICATION_METHOD_USER_MESSAGE: _ClassVar[CodexNotificationMethod]

class CodexStreamErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEX_STREAM_ERROR_CODE_UNSPECIFIED: _ClassVar[CodexStreamErrorCode]
    CODEX_STREAM_ERROR_CODE_STALE_CURSOR: _ClassVar[CodexStreamErrorCode]
    CODEX_STREAM_ERROR_CODE_REAUTH_REQUIRED: _ClassVar[CodexStreamErrorCode]
    CODEX_STREAM_ERROR_CODE_RATE_LIMITED: _ClassVar[CodexStreamErrorCode]
    CODEX_STREAM_ERROR_CODE_WORKER_NOT_FOUND: _ClassVar[CodexStreamErrorCode]
    CODEX_STREAM_ERROR_CODE_FORBIDDEN: _ClassVar[CodexStreamErrorCode]
    CODEX_STREAM_ERROR_CODE_INTERNAL: _ClassVar[CodexStreamErrorCode]
CODEX_NOTIFICATION_METHOD_UNSPECIFIED: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_THREAD_STARTED: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_TURN_STARTED: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_ITEM_STARTED: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_ITEM_AGENT_MESSAGE_DELTA: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_ITEM_REASONING_DELTA: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_ITEM_COMPLETED: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_TURN_COMPLETED: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_IOS_HANDSHAKE: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_DESKTOP_HANDSHAKE_ACK: CodexNotificationMethod
CODEX_NOTIFICATION_METHOD_USER_MESSAGE: CodexNotificationMethod
CODEX_STREAM_ERROR_CODE_UNSPECIFIED: CodexStreamErrorCode
CODEX_STREAM_ERROR_CODE_STALE_CURSOR: CodexStreamErrorCode
CODEX_STREAM_ERROR_CODE_REAUTH_REQUIRED: CodexStreamErrorCode
CODEX_STREAM_ERROR_CODE_RATE_LIMITED: CodexStreamErrorCode
CODEX_STREAM_ERROR_CODE_WORKER_NOT_FOUND: CodexStreamErrorCode
CODEX_STREAM_ERROR_CODE_FORBIDDEN: CodexStreamErrorCode
CODEX_STREAM_ERROR_CODE_INTERNAL: CodexStreamErrorCode

class CodexReplayMetadata(_message.Message):
    __slots__ = ("topic", "seq", "resume_after", "retention_floor", "replayed")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FLOOR_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    topic: str
    seq: int
    resume_after: int
    retention_floor: int
    replayed: bool
    def __init__(self, topic: _Optional[str] = ..., seq: _Optional[int] = ..., resume_after: _Optional[int] = ..., retention_floor: _Optional[int] = ..., replayed: _Optional[bool] = ...) -> None: ...

class CodexNotificationEvent(_message.Message):
    __slots__ = ("worker_id", "seq", "method", "method_text", "occurred_at", "replay", "payload")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    METHOD_TEXT_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    seq: int
    method: CodexNotificationMethod
    method_text: str
    occurred_at: _timestamp_pb2.Timestamp
    replay: CodexReplayMetadata
    payload: _struct_pb2.Struct
    def __init__(self, worker_id: _Optional[str] = ..., seq: _Optional[int] = ..., method: _Optional[_Union[CodexNotificationMethod, str]] = ..., method_text: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., replay: _Optional[_Union[CodexReplayMetadata, _Mapping]] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CodexStreamError(_message.Message):
    __slots__ = ("code", "message", "retry_after_ms", "full_resync_required", "reauth_required", "topic", "resume_after", "retention_floor")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    FULL_RESYNC_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REAUTH_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FLOOR_FIELD_NUMBER: _ClassVar[int]
    code: CodexStreamErrorCode
    message: str
    retry_after_ms: int
    full_resync_required: bool
    reauth_required: bool
    topic: str
    resume_after: int
    retention_floor: int
    def __init__(self, code: _Optional[_Union[CodexStreamErrorCode, str]] = ..., message: _Optional[str] = ..., retry_after_ms: _Optional[int] = ..., full_resync_required: _Optional[bool] = ..., reauth_required: _Optional[bool] = ..., topic: _Optional[str] = ..., resume_after: _Optional[int] = ..., retention_floor: _Optional[int] = ...) -> None: ...
