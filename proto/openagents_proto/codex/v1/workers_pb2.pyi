import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodexExecutionMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEX_EXECUTION_MODE_UNSPECIFIED: _ClassVar[CodexExecutionMode]
    CODEX_EXECUTION_MODE_DESKTOP: _ClassVar[CodexExecutionMode]
    CODEX_EXECUTION_MODE_HOSTED: _ClassVar[CodexExecutionMode]

class CodexSandboxBackend(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODEX_SANDBOX_BACKEND_UNSPECIFIED: _ClassVar[CodexSandboxBackend]
    CODEX_SANDBOX_BACKEND_CONTAINER: _ClassVar[CodexSandboxBackend]
    CODEX_SANDBOX_BACKEND_MICROVM: _ClassVar[CodexSandboxBackend]
CODEX_EXECUTION_MODE_UNSPECIFIED: CodexExecutionMode
CODEX_EXECUTION_MODE_DESKTOP: CodexExecutionMode
CODEX_EXECUTION_MODE_HOSTED: CodexExecutionMode
CODEX_SANDBOX_BACKEND_UNSPECIFIED: CodexSandboxBackend
CODEX_SANDBOX_BACKEND_CONTAINER: CodexSandboxBackend
CODEX_SANDBOX_BACKEND_MICROVM: CodexSandboxBackend

class CodexSandbox(_message.Message):
    __slots__ = ("execution_mode", "sandbox_backend", "workspace_ref", "codex_home_ref", "sandbox_session_ref", "region", "provider_project_ref", "placement_ref", "adapter", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EXECUTION_MODE_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_BACKEND_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_REF_FIELD_NUMBER: _ClassVar[int]
    CODEX_HOME_REF_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_SESSION_REF_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_PROJECT_REF_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_REF_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    execution_mode: CodexExecutionMode
    sandbox_backend: CodexSandboxBackend
    workspace_ref: str
    codex_home_ref: str
    sandbox_session_ref: str
    region: str
    provider_project_ref: str
    placement_ref: str
    adapter: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, execution_mode: _Optional[_Union[CodexExecutionMode, str]] = ..., sandbox_backend: _Optional[_Union[CodexSandboxBackend, str]] = ..., workspace_ref: _Optional[str] = ..., codex_home_ref: _Optional[str] = ..., sandbox_session_ref: _Optional[str] = ..., region: _Optional[str] = ..., provider_project_ref: _Optional[str] = ..., placement_ref: _Optional[str] = ..., adapter: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CodexWorker(_message.Message):
    __slots__ = ("worker_id", "status", "latest_seq", "adapter", "owner_user_ref", "owner_guest_scope", "sandbox", "metadata", "started_at", "updated_at", "last_heartbeat_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATEST_SEQ_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_REF_FIELD_NUMBER: _ClassVar[int]
    OWNER_GUEST_SCOPE_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    status: str
    latest_seq: int
    adapter: str
    owner_user_ref: str
    owner_guest_scope: str
    sandbox: CodexSandbox
    metadata: _containers.ScalarMap[str, str]
    started_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    last_heartbeat_at: _timestamp_pb2.Timestamp
    def __init__(self, worker_id: _Optional[str] = ..., status: _Optional[str] = ..., latest_seq: _Optional[int] = ..., adapter: _Optional[str] = ..., owner_user_ref: _Optional[str] = ..., owner_guest_scope: _Optional[str] = ..., sandbox: _Optional[_Union[CodexSandbox, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_heartbeat_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RuntimeProjection(_message.Message):
    __slots__ = ("runtime_source", "runtime_run_id", "runtime_worker_id", "runtime_seq", "runtime_seq_end", "projection_version", "projected_at")
    RUNTIME_SOURCE_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_SEQ_FIELD_NUMBER: _ClassVar[int]
    RUNTIME_SEQ_END_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROJECTED_AT_FIELD_NUMBER: _ClassVar[int]
    runtime_source: str
    runtime_run_id: str
    runtime_worker_id: str
    runtime_seq: int
    runtime_seq_end: int
    projection_version: int
    projected_at: _timestamp_pb2.Timestamp
    def __init__(self, runtime_source: _Optional[str] = ..., runtime_run_id: _Optional[str] = ..., runtime_worker_id: _Optional[str] = ..., runtime_seq: _Optional[int] = ..., runtime_seq_end: _Optional[int] = ..., projection_version: _Optional[int] = ..., projected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class KhalaProjection(_message.Message):
    __slots__ = ("document_id", "last_runtime_seq", "lag_events", "status", "projection_version", "last_projected_at")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    LAST_RUNTIME_SEQ_FIELD_NUMBER: _ClassVar[int]
    LAG_EVENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_VERSION_FIELD_NUMBER: _ClassVar[int]
    LAST_PROJECTED_AT_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    last_runtime_seq: int
    lag_events: int
    status: str
    projection_version: str
    last_projected_at: _timestamp_pb2.Timestamp
    def __init__(self, document_id: _Optional[str] = ..., last_runtime_seq: _Optional[int] = ..., lag_events: _Optional[int] = ..., status: _Optional[str] = ..., projection_version: _Optional[str] = ..., last_projected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CodexWorkerSummary(_message.Message):
    __slots__ = ("worker_id", "status", "latest_seq", "workspace_ref", "codex_home_ref", "adapter", "heartbeat_state", "last_heartbeat_at", "started_at", "metadata", "khala_projection")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATEST_SEQ_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_REF_FIELD_NUMBER: _ClassVar[int]
    CODEX_HOME_REF_FIELD_NUMBER: _ClassVar[int]
    ADAPTER_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_STATE_FIELD_NUMBER: _ClassVar[int]
    LAST_HEARTBEAT_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    KHALA_PROJECTION_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    status: str
    latest_seq: int
    workspace_ref: str
    codex_home_ref: str
    adapter: str
    heartbeat_state: str
    last_heartbeat_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    metadata: _containers.ScalarMap[str, str]
    khala_projection: KhalaProjection
    def __init__(self, worker_id: _Optional[str] = ..., status: _Optional[str] = ..., latest_seq: _Optional[int] = ..., workspace_ref: _Optional[str] = ..., codex_home_ref: _Optional[str] = ..., adapter: _Optional[str] = ..., heartbeat_state: _Optional[str] = ..., last_heartbeat_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., khala_projection: _Optional[_Union[KhalaProjection, _Mapping]] = ...) -> None: ...

class CodexWorkerSnapshot(_message.Message):
    __slots__ = ("worker", "projection")
    WORKER_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    worker: CodexWorker
    projection: RuntimeProjection
    def __init__(self, worker: _Optional[_Union[CodexWorker, _Mapping]] = ..., projection: _Optional[_Union[RuntimeProjection, _Mapping]] = ...) -> None: ...

class CodexWorkerCreateRequest(_message.Message):
    __slots__ = ("request_id", "worker_id", "sandbox", "metadata", "idempotency_key")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    SANDBOX_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    worker_id: str
    sandbox: CodexSandbox
    metadata: _containers.ScalarMap[str, str]
    idempotency_key: str
    def __init__(self, request_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., sandbox: _Optional[_Union[CodexSandbox, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CodexWorkerCreateResponse(_message.Message):
    __slots__ = ("worker", "idempotent_replay", "projection")
    WORKER_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENT_REPLAY_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    worker: CodexWorker
    idempotent_replay: bool
    projection: RuntimeProjection
    def __init__(self, worker: _Optional[_Union[CodexWorker, _Mapping]] = ..., idempotent_replay: _Optional[bool] = ..., projection: _Optional[_Union[RuntimeProjection, _Mapping]] = ...) -> None: ...

class CodexWorkerRequest(_message.Message):
    __slots__ = ("worker_id", "request_id", "method", "params")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    request_id: str
    method: str
    params: _struct_pb2.Struct
    def __init__(self, worker_id: _Optional[str] = ..., request_id: _Optional[str] = ..., method: _Optional[str] = ..., params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class CodexWorkerRequestResponse(_message.Message):
    __slots__ = ("worker_id", "request_id", "ok", "response", "projection")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    PROJECTION_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    request_id: str
    ok: bool
    response: _struct_pb2.Struct
    projection: RuntimeProjection
    def __init__(self, worker_id: _Optional[str] = ..., request_id: _Optional[str] = ..., ok: _Optional[bool] = ..., response: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., projection: _Optional[_Union[RuntimeProjection, _Mapping]] = ...) -> None: ...
