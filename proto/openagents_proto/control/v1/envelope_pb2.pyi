from openagents_proto.control.v1 import auth_pb2 as _auth_pb2
from openagents_proto.control.v1 import sync_token_pb2 as _sync_token_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ControlEnvelope(_message.Message):
    __slots__ = ("request_id", "challenge", "verify", "refresh", "session", "revoke", "sync_token", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    VERIFY_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    REVOKE_FIELD_NUMBER: _ClassVar[int]
    SYNC_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    challenge: _auth_pb2.AuthChallengeResponse
    verify: _auth_pb2.AuthVerifyResponse
    refresh: _auth_pb2.SessionRefreshResponse
    session: _auth_pb2.GetSessionResponse
    revoke: _auth_pb2.SessionRevokeResponse
    sync_token: _sync_token_pb2.SyncTokenResponse
    error: _auth_pb2.ControlError
    def __init__(self, request_id: _Optional[str] = ..., challenge: _Optional[_Union[_auth_pb2.AuthChallengeResponse, _Mapping]] = ..., verify: _Optional[_Union[_auth_pb2.AuthVerifyResponse, _Mapping]] = ..., refresh: _Optional[_Union[_auth_pb2.SessionRefreshResponse, _Mapping]] = ..., session: _Optional[_Union[_auth_pb2.GetSessionResponse, _Mapping]] = ..., revoke: _Optional[_Union[_auth_pb2.SessionRevokeResponse, _Mapping]] = ..., sync_token: _Optional[_Union[_sync_token_pb2.SyncTokenResponse, _Mapping]] = ..., error: _Optional[_Union[_auth_pb2.ControlError, _Mapping]] = ...) -> None: ...
