from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KhalaFrameKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KHALA_FRAME_KIND_UNSPECIFIED: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_HELLO: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_HELLO_OK: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_SUBSCRIBE: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_SUBSCRIBED: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_UNSUBSCRIBE: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_UPDATE_BATCH: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_HEARTBEAT: _ClassVar[KhalaFrameKind]
    KHALA_FRAME_KIND_ERROR: _ClassVar[KhalaFrameKind]

class ClientSurface(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CLIENT_SURFACE_UNSPECIFIED: _ClassVar[ClientSurface]
    CLIENT_SURFACE_WEB: _ClassVar[ClientSurface]
    CLIENT_SURFACE_DESKTOP: _ClassVar[ClientSurface]
    CLIENT_SURFACE_IOS: _ClassVar[ClientSurface]
    CLIENT_SURFACE_CLI: _ClassVar[ClientSurface]
KHALA_FRAME_KIND_UNSPECIFIED: KhalaFrameKind
KHALA_FRAME_KIND_HELLO: KhalaFrameKind
KHALA_FRAME_KIND_HELLO_OK: KhalaFrameKind
KHALA_FRAME_KIND_SUBSCRIBE: KhalaFrameKind
KHALA_FRAME_KIND_SUBSCRIBED: KhalaFrameKind
KHALA_FRAME_KIND_UNSUBSCRIBE: KhalaFrameKind
KHALA_FRAME_KIND_UPDATE_BATCH: KhalaFrameKind
KHALA_FRAME_KIND_HEARTBEAT: KhalaFrameKind
KHALA_FRAME_KIND_ERROR: KhalaFrameKind
CLIENT_SURFACE_UNSPECIFIED: ClientSurface
CLIENT_SURFACE_WEB: ClientSurface
CLIENT_SURFACE_DESKTOP: ClientSurface
CLIENT_SURFACE_IOS: ClientSurface
CLIENT_SURFACE_CLI: ClientSurface

class KhalaFrame(_message.Message):
    __slots__ = ("topic", "seq", "kind", "payload_bytes", "schema_version")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_BYTES_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    topic: str
    seq: int
    kind: KhalaFrameKind
    payload_bytes: bytes
    schema_version: int
    def __init__(self, topic: _Optional[str] = ..., seq: _Optional[int] = ..., kind: _Optional[_Union[KhalaFrameKind, str]] = ..., payload_bytes: _Optional[bytes] = ..., schema_version: _Optional[int] = ...) -> None: ...

class Hello(_message.Message):
    __slots__ = ("sync_token", "client_build_id", "protocol_version", "schema_version", "surface", "device_id")
    SYNC_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CLIENT_BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    SURFACE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    sync_token: str
    client_build_id: str
    protocol_version: str
    schema_version: int
    surface: ClientSurface
    device_id: str
    def __init__(self, sync_token: _Optional[str] = ..., client_build_id: _Optional[str] = ..., protocol_version: _Optional[str] = ..., schema_version: _Optional[int] = ..., surface: _Optional[_Union[ClientSurface, str]] = ..., device_id: _Optional[str] = ...) -> None: ...

class HelloOk(_message.Message):
    __slots__ = ("connection_id", "protocol_version", "schema_version", "heartbeat_interval_ms", "idle_timeout_ms", "max_inbound_frame_bytes", "max_batch_updates", "token_expires_at_unix_ms", "server_build_id", "max_batch_bytes")
    CONNECTION_ID_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_VERSION_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_INBOUND_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_UPDATES_FIELD_NUMBER: _ClassVar[int]
    TOKEN_EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SERVER_BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_BYTES_FIELD_NUMBER: _ClassVar[int]
    connection_id: str
    protocol_version: str
    schema_version: int
    heartbeat_interval_ms: int
    idle_timeout_ms: int
    max_inbound_frame_bytes: int
    max_batch_updates: int
    token_expires_at_unix_ms: int
    server_build_id: str
    max_batch_bytes: int
    def __init__(self, connection_id: _Optional[str] = ..., protocol_version: _Optional[str] = ..., schema_version: _Optional[int] = ..., heartbeat_interval_ms: _Optional[int] = ..., idle_timeout_ms: _Optional[int] = ..., max_inbound_frame_bytes: _Optional[int] = ..., max_batch_updates: _Optional[int] = ..., token_expires_at_unix_ms: _Optional[int] = ..., server_build_id: _Optional[str] = ..., max_batch_bytes: _Optional[int] = ...) -> None: ...

class TopicCursor(_message.Message):
    __slots__ = ("topic", "watermark")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_FIELD_NUMBER: _ClassVar[int]
    topic: str
    watermark: int
    def __init__(self, topic: _Optional[str] = ..., watermark: _Optional[int] = ...) -> None: ...

class Subscribe(_message.Message):
    __slots__ = ("topics", "resume_after", "request_id")
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    topics: _containers.RepeatedScalarFieldContainer[str]
    resume_after: _containers.RepeatedCompositeFieldContainer[TopicCursor]
    request_id: str
    def __init__(self, topics: _Optional[_Iterable[str]] = ..., resume_after: _Optional[_Iterable[_Union[TopicCursor, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class Subscribed(_message.Message):
    __slots__ = ("request_id", "topics", "head_watermarks")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    HEAD_WATERMARKS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    topics: _containers.RepeatedScalarFieldContainer[str]
    head_watermarks: _containers.RepeatedCompositeFieldContainer[TopicCursor]
    def __init__(self, request_id: _Optional[str] = ..., topics: _Optional[_Iterable[str]] = ..., head_watermarks: _Optional[_Iterable[_Union[TopicCursor, _Mapping]]] = ...) -> None: ...

class Unsubscribe(_message.Message):
    __slots__ = ("topics", "request_id")
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    topics: _containers.RepeatedScalarFieldContainer[str]
    request_id: str
    def __init__(self, topics: _Optional[_Iterable[str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class Update(_message.Message):
    __slots__ = ("topic", "doc_key", "doc_version", "payload", "watermark", "payload_hash")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    DOC_KEY_FIELD_NUMBER: _ClassVar[int]
    DOC_VERSION_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    WATERMARK_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_HASH_FIELD_NUMBER: _ClassVar[int]
    topic: str
    doc_key: str
    doc_version: int
    payload: bytes
    watermark: int
    payload_hash: str
    def __init__(self, topic: _Optional[str] = ..., doc_key: _Optional[str] = ..., doc_version: _Optional[int] = ..., payload: _Optional[bytes] = ..., watermark: _Optional[int] = ..., payload_hash: _Optional[str] = ...) -> None: ...

class UpdateBatch(_message.Message):
    __slots__ = ("updates", "replay_complete", "head_watermarks")
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    REPLAY_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    HEAD_WATERMARKS_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[Update]
    replay_complete: bool
    head_watermarks: _containers.RepeatedCompositeFieldContainer[TopicCursor]
    def __init__(self, updates: _Optional[_Iterable[_Union[Update, _Mapping]]] = ..., replay_complete: _Optional[bool] = ..., head_watermarks: _Optional[_Iterable[_Union[TopicCursor, _Mapping]]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("watermarks", "sent_at_unix_ms")
    WATERMARKS_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    watermarks: _containers.RepeatedCompositeFieldContainer[TopicCursor]
    sent_at_unix_ms: int
    def __init__(self, watermarks: _Optional[_Iterable[_Union[TopicCursor, _Mapping]]] = ..., sent_at_unix_ms: _Optional[int] = ...) -> None: ...
