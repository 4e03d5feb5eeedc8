import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuntimeRunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUNTIME_RUN_STATUS_UNSPECIFIED: _ClassVar[RuntimeRunStatus]
    RUNTIME_RUN_STATUS_CREATED: _ClassVar[RuntimeRunStatus]
    RUNTIME_RUN_STATUS_RUNNING: _ClassVar[RuntimeRunStatus]
    RUNTIME_RUN_STATUS_CANCELING: _ClassVar[RuntimeRunStatus]
    RUNTIME_RUN_STATUS_CANCELED: _ClassVar[RuntimeRunStatus]
    RUNTIME_RUN_STATUS_SUCCEEDED: _ClassVar[RuntimeRunStatus]
    RUNTIME_RUN_STATUS_FAILED: _ClassVar[RuntimeRunStatus]

class RuntimeWorkerStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUNTIME_WORKER_STATUS_UNSPECIFIED: _ClassVar[RuntimeWorkerStatus]
    RUNTIME_WORKER_STATUS_STARTING: _ClassVar[RuntimeWorkerStatus]
    RUNTIME_WORKER_STATUS_RUNNING: _ClassVar[RuntimeWorkerStatus]
    RUNTIME_WORKER_STATUS_STOPPING: _ClassVar[RuntimeWorkerStatus]
    RUNTIME_WORKER_STATUS_STOPPED: _ClassVar[RuntimeWorkerStatus]
    RUNTIME_WORKER_STATUS_FAILED: _ClassVar[RuntimeWorkerStatus]

class RuntimeErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUNTIME_ERROR_CODE_UNSPECIFIED: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_INVALID_REQUEST: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_NOT_FOUND: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_CONFLICT: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_INVALID_TRANSITION: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_STALE_CURSOR: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_FORBIDDEN: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_POLICY_DENIED: _ClassVar[RuntimeErrorCode]
    RUNTIME_ERROR_CODE_INTERNAL: _ClassVar[RuntimeErrorCode]

class ReasonCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASON_CODE_UNSPECIFIED: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_ALLOWED_DEFAULT: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_EXPLICIT_DENY: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_CONSENT_REQUIRED: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_SUPPRESSED_RECIPIENT: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_AUTHORIZATION_MISSING: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_AUTHORIZATION_EXPIRED: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_AUTHORIZATION_REVOKED: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_INVALID_AUTHORIZATION_MODE: _ClassVar[ReasonCode]
    REASON_CODE_POLICY_DENIED_BUDGET_EXHAUSTED: _ClassVar[ReasonCode]
    REASON_CODE_LOOP_DETECTED_NO_PROGRESS: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_PRIVATE_ADDRESS: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_METADATA_ENDPOINT: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_HOST_NOT_ALLOWED: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_INVALID_URL: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_DNS_RESOLUTION_FAILED: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_DNS_PIN_MISMATCH: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_REDIRECT_LIMIT_EXCEEDED: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_REDIRECT_MISSING_LOCATION: _ClassVar[ReasonCode]
    REASON_CODE_SSRF_BLOCK_REDIRECT_INVALID_LOCATION: _ClassVar[ReasonCode]
    REASON_CODE_MANIFEST_VALIDATION_INVALID_SCHEMA: _ClassVar[ReasonCode]
    REASON_CODE_COMMS_FAILED_PROVIDER_ERROR: _ClassVar[ReasonCode]
    REASON_CODE_COMMS_FAILED_PROVIDER_CIRCUIT_OPEN: _ClassVar[ReasonCode]
    REASON_CODE_COMMS_FAILED_FALLBACK_EXHAUSTED: _ClassVar[ReasonCode]
    REASON_CODE_CODING_FAILED_PROVIDER_ERROR: _ClassVar[ReasonCode]
    REASON_CODE_CODING_FAILED_PROVIDER_CIRCUIT_OPEN: _ClassVar[ReasonCode]
RUNTIME_RUN_STATUS_UNSPECIFIED: RuntimeRunStatus
RUNTIME_RUN_STATUS_CREATED: RuntimeRunStatus
RUNTIME_RUN_STATUS_RUNNING: RuntimeRunStatus
RUNTIME_RUN_STATUS_CANCELING: RuntimeRunStatus
RUNTIME_RUN_STATUS_CANCELED: RuntimeRunStatus
RUNTIME_RUN_STATUS_SUCCEEDED: RuntimeRunStatus
RUNTIME_RUN_STATUS_FAILED: RuntimeRunStatus
RUNTIME_WORKER_STATUS_UNSPECIFIED: RuntimeWorkerStatus
RUNTIME_WORKER_STATUS_STARTING: RuntimeWorkerStatus
RUNTIME_WORKER_STATUS_RUNNING: RuntimeWorkerStatus
RUNTIME_WORKER_STATUS_STOPPING: RuntimeWorkerStatus
RUNTIME_WORKER_STATUS_STOPPED: RuntimeWorkerStatus
RUNTIME_WORKER_STATUS_FAILED: RuntimeWorkerStatus
RUNTIME_ERROR_CODE_UNSPECIFIED: RuntimeErrorCode
RUNTIME_ERROR_CODE_INVALID_REQUEST: RuntimeErrorCode
RUNTIME_ERROR_CODE_NOT_FOUND: RuntimeErrorCode
RUNTIME_ERROR_CODE_CONFLICT: RuntimeErrorCode
RUNTIME_ERROR_CODE_INVALID_TRANSITION: RuntimeErrorCode
RUNTIME_ERROR_CODE_STALE_CURSOR: RuntimeErrorCode
RUNTIME_ERROR_CODE_FORBIDDEN: RuntimeErrorCode
RUNTIME_ERROR_CODE_POLICY_DENIED: RuntimeErrorCode
RUNTIME_ERROR_CODE_INTERNAL: RuntimeErrorCode
REASON_CODE_UNSPECIFIED: ReasonCode
REASON_CODE_POLICY_ALLOWED_DEFAULT: ReasonCode
REASON_CODE_POLICY_DENIED_EXPLICIT_DENY: ReasonCode
REASON_CODE_POLICY_DENIED_CONSENT_REQUIRED: ReasonCode
REASON_CODE_POLICY_DENIED_SUPPRESSED_RECIPIENT: ReasonCode
REASON_CODE_POLICY_DENIED_AUTHORIZATION_MISSING: ReasonCode
REASON_CODE_POLICY_DENIED_AUTHORIZATION_EXPIRED: ReasonCode
REASON_CODE_POLICY_DENIED_AUTHORIZATION_REVOKED: ReasonCode
REASON_CODE_POLICY_DENIED_INVALID_AUTHORIZATION_MODE: ReasonCode
REASON_CODE_POLICY_DENIED_BUDGET_EXHAUSTED: ReasonCode
REASON_CODE_LOOP_DETECTED_NO_PROGRESS: ReasonCode
REASON_CODE_SSRF_BLOCK_PRIVATE_ADDRESS: ReasonCode
REASON_CODE_SSRF_BLOCK_METADATA_ENDPOINT: ReasonCode
REASON_CODE_SSRF_BLOCK_HOST_NOT_ALLOWED: ReasonCode
REASON_CODE_SSRF_BLOCK_INVALID_URL: ReasonCode
REASON_CODE_SSRF_BLOCK_DNS_RESOLUTION_FAILED: ReasonCode
REASON_CODE_SSRF_BLOCK_DNS_PIN_MISMATCH: ReasonCode
REASON_CODE_SSRF_BLOCK_REDIRECT_LIMIT_EXCEEDED: ReasonCode
REASON_CODE_SSRF_BLOCK_REDIRECT_MISSING_LOCATION: ReasonCode
REASON_CODE_SSRF_BLOCK_REDIRECT_INVALID_LOCATION: ReasonCode
REASON_CODE_MANIFEST_VALIDATION_INVALID_SCHEMA: ReasonCode
REASON_CODE_COMMS_FAILED_PROVIDER_ERROR: ReasonCode
REASON_CODE_COMMS_FAILED_PROVIDER_CIRCUIT_OPEN: ReasonCode
REASON_CODE_COMMS_FAILED_FALLBACK_EXHAUSTED: ReasonCode
REASON_CODE_CODING_FAILED_PROVIDER_ERROR: ReasonCode
REASON_CODE_CODING_FAILED_PROVIDER_CIRCUIT_OPEN: ReasonCode

class Run(_message.Message):
    __slots__ = ("run_id", "status", "latest_seq", "owner_user_id", "org_id", "created_at", "updated_at")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATEST_SEQ_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    status: RuntimeRunStatus
    latest_seq: int
    owner_user_id: str
    org_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, run_id: _Optional[str] = ..., status: _Optional[_Union[RuntimeRunStatus, str]] = ..., latest_seq: _Optional[int] = ..., owner_user_id: _Optional[str] = ..., org_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RunLifecycleTransition(_message.Message):
    __slots__ = ("run_id", "from_status", "to_status", "transition_event_type", "reason_class", "latest_seq", "occurred_at")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    TRANSITION_EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    REASON_CLASS_FIELD_NUMBER: _ClassVar[int]
    LATEST_SEQ_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    from_status: RuntimeRunStatus
    to_status: RuntimeRunStatus
    transition_event_type: str
    reason_class: str
    latest_seq: int
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, run_id: _Optional[str] = ..., from_status: _Optional[_Union[RuntimeRunStatus, str]] = ..., to_status: _Optional[_Union[RuntimeRunStatus, str]] = ..., transition_event_type: _Optional[str] = ..., reason_class: _Optional[str] = ..., latest_seq: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RunEvent(_message.Message):
    __slots__ = ("run_id", "seq", "event_type", "occurred_at", "payload", "payload_hash")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_HASH_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    seq: int
    event_type: str
    occurred_at: _timestamp_pb2.Timestamp
    payload: _struct_pb2.Struct
    payload_hash: str
    def __init__(self, run_id: _Optional[str] = ..., seq: _Optional[int] = ..., event_type: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., payload: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., payload_hash: _Optional[str] = ...) -> None: ...

class WorkerLifecycleEvent(_message.Message):
    __slots__ = ("worker_id", "event_type", "status", "seq", "reason", "occurred_at")
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    worker_id: str
    event_type: str
    status: RuntimeWorkerStatus
    seq: int
    reason: str
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, worker_id: _Optional[str] = ..., event_type: _Optional[str] = ..., status: _Optional[_Union[RuntimeWorkerStatus, str]] = ..., seq: _Optional[int] = ..., reason: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PolicyDecision(_message.Message):
    __slots__ = ("decision", "reason_code", "reason_codes_version")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REASON_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_CODES_VERSION_FIELD_NUMBER: _ClassVar[int]
    decision: str
    reason_code: ReasonCode
    reason_codes_version: str
    def __init__(self, decision: _Optional[str] = ..., reason_code: _Optional[_Union[ReasonCode, str]] = ..., reason_codes_version: _Optional[str] = ...) -> None: ...

class ReceiptBudget(_message.Message):
    __slots__ = ("total_tokens", "spent_sats", "remaining_sats")
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SPENT_SATS_FIELD_NUMBER: _ClassVar[int]
    REMAINING_SATS_FIELD_NUMBER: _ClassVar[int]
    total_tokens: int
    spent_sats: int
    remaining_sats: int
    def __init__(self, total_tokens: _Optional[int] = ..., spent_sats: _Optional[int] = ..., remaining_sats: _Optional[int] = ...) -> None: ...

class ReceiptTiming(_message.Message):
    __slots__ = ("latency_ms",)
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    latency_ms: int
    def __init__(self, latency_ms: _Optional[int] = ...) -> None: ...

class RuntimePredictReceipt(_message.Message):
    __slots__ = ("receipt_id", "run_id", "signature_id", "strategy_id", "compiled_id", "schema_hash", "prompt_hash", "program_hash", "params_hash", "output_hash", "policy", "budget", "timing", "created_at")
    RECEIPT_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    COMPILED_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_HASH_FIELD_NUMBER: _ClassVar[int]
    PROMPT_HASH_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_HASH_FIELD_NUMBER: _ClassVar[int]
    PARAMS_HASH_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_HASH_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    TIMING_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    receipt_id: str
    run_id: str
    signature_id: str
    strategy_id: str
    compiled_id: str
    schema_hash: str
    prompt_hash: str
    program_hash: str
    params_hash: str
    output_hash: str
    policy: PolicyDecision
    budget: ReceiptBudget
    timing: ReceiptTiming
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, receipt_id: _Optional[str] = ..., run_id: _Optional[str] = ..., signature_id: _Optional[str] = ..., strategy_id: _Optional[str] = ..., compiled_id: _Optional[str] = ..., schema_hash: _Optional[str] = ..., prompt_hash: _Optional[str] = ..., program_hash: _Optional[str] = ..., params_hash: _Optional[str] = ..., output_hash: _Optional[str] = ..., policy: _Optional[_Union[PolicyDecision, _Mapping]] = ..., budget: _Optional[_Union[ReceiptBudget, _Mapping]] = ..., timing: _Optional[_Union[ReceiptTiming, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RuntimeReplayArtifact(_message.Message):
    __slots__ = ("artifact_id", "run_id", "first_seq", "last_seq", "event_count", "replay_hash", "storage_ref", "compression", "chunk_count")
    ARTIFACT_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQ_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    REPLAY_HASH_FIELD_NUMBER: _ClassVar[int]
    STORAGE_REF_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    CHUNK_COUNT_FIELD_NUMBER: _ClassVar[int]
    artifact_id: str
    run_id: str
    first_seq: int
    last_seq: int
    event_count: int
    replay_hash: str
    storage_ref: str
    compression: str
    chunk_count: int
    def __init__(self, artifact_id: _Optional[str] = ..., run_id: _Optional[str] = ..., first_seq: _Optional[int] = ..., last_seq: _Optional[int] = ..., event_count: _Optional[int] = ..., replay_hash: _Optional[str] = ..., storage_ref: _Optional[str] = ..., compression: _Optional[str] = ..., chunk_count: _Optional[int] = ...) -> None: ...

class RuntimeError(_message.Message):
    __slots__ = ("code", "message", "full_resync_required")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FULL_RESYNC_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    code: RuntimeErrorCode
    message: str
    full_resync_required: bool
    def __init__(self, code: _Optional[_Union[RuntimeErrorCode, str]] = ..., message: _Optional[str] = ..., full_resync_required: _Optional[bool] = ...) -> None: ...

class RuntimeResultEnvelope(_message.Message):
    __slots__ = ("ok", "result_type", "run_id", "worker_id", "request_id", "error")
    OK_FIELD_NUMBER: _ClassVar[int]
    RESULT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    result_type: str
    run_id: str
    worker_id: str
    request_id: str
    error: RuntimeError
    def __init__(self, ok: _Optional[bool] = ..., result_type: _Optional[str] = ..., run_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., request_id: _Optional[str] = ..., error: _Optional[_Union[RuntimeError, _Mapping]] = ...) -> None: ...
