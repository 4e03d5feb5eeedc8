import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncTokenRequest(_message.Message):
    __slots__ = ("request_id", "scopes", "topics", "device_id", "ttl_seconds")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    scopes: _containers.RepeatedScalarFieldContainer[str]
    topics: _containers.RepeatedScalarFieldContainer[str]
    device_id: str
    ttl_seconds: int
    def __init__(self, request_id: _Optional[str] = ..., scopes: _Optional[_Iterable[str]] = ..., topics: _Optional[_Iterable[str]] = ..., device_id: _Optional[str] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class TopicGrant(_message.Message):
    __slots__ = ("topic", "required_scope")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SCOPE_FIELD_NUMBER: _ClassVar[int]
    topic: str
    required_scope: str
    def __init__(self, topic: _Optional[str] = ..., required_scope: _Optional[str] = ...) -> None: ...

class SyncTokenResponse(_message.Message):
    __slots__ = ("request_id", "session_id", "device_id", "token", "token_type", "expires_in_seconds", "issuer", "audience", "subject", "org_id", "claims_version", "key_id", "token_id", "granted_scopes", "granted_topics", "expires_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_VERSION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    GRANTED_SCOPES_FIELD_NUMBER: _ClassVar[int]
    GRANTED_TOPICS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session_id: str
    device_id: str
    token: str
    token_type: str
    expires_in_seconds: int
    issuer: str
    audience: str
    subject: str
    org_id: str
    claims_version: str
    key_id: str
    token_id: str
    granted_scopes: _containers.RepeatedScalarFieldContainer[str]
    granted_topics: _containers.RepeatedCompositeFieldContainer[TopicGrant]
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., session_id: _Optional[str] = ..., device_id: _Optional[str] = ..., token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in_seconds: _Optional[int] = ..., issuer: _Optional[str] = ..., audience: _Optional[str] = ..., subject: _Optional[str] = ..., org_id: _Optional[str] = ..., claims_version: _Optional[str] = ..., key_id: _Optional[str] = ..., token_id: _Optional[str] = ..., granted_scopes: _Optional[_Iterable[str]] = ..., granted_topics: _Optional[_Iterable[_Union[TopicGrant, _Mapping]]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
