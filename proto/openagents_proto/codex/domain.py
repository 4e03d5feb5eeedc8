"""Domain types of the Codex worker contracts: workers, auth hydration, notifications, errors.

Notification payloads arrive as free-form JSON (`google.protobuf.Struct` on the wire); every known
method has a typed params Struct here, checked on conversion, so a `turn/started` without a
`turn_id` is refused with the field named.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

import msgspec

from openagents_proto.errors import ContractError
from openagents_proto.types import Count, Domain, NonEmpty, Seq

WorkerState = Literal["starting", "running", "stopping", "stopped", "failed"]


class ExecutionMode(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    DESKTOP = "desktop"
    HOSTED = "hosted"


class SandboxBackend(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    CONTAINER = "container"
    MICROVM = "microvm"


class HydrationStatus(enum.StrEnum):
    AUTHENTICATED = "authenticated"
    DEVICE_FLOW_PENDING = "device_flow_pending"
    UNAUTHENTICATED = "unauthenticated"
    EXPIRED = "expired"
    FAILED = "failed"


class NotificationMethod(enum.StrEnum):
    THREAD_STARTED = "thread_started"
    TURN_STARTED = "turn_started"
    ITEM_STARTED = "item_started"
    ITEM_AGENT_MESSAGE_DELTA = "item_agent_message_delta"
    ITEM_REASONING_DELTA = "item_reasoning_delta"
    ITEM_COMPLETED = "item_completed"
    TURN_COMPLETED = "turn_completed"
    IOS_HANDSHAKE = "ios_handshake"
    DESKTOP_HANDSHAKE_ACK = "desktop_handshake_ack"
    USER_MESSAGE = "user_message"


class StreamErrorCode(enum.StrEnum):
    STALE_CURSOR = "stale_cursor"
    REAUTH_REQUIRED = "reauth_required"
    RATE_LIMITED = "rate_limited"
    WORKER_NOT_FOUND = "worker_not_found"
    FORBIDDEN = "forbidden"
    INTERNAL = "internal"


# ------------------------------------------------------------------------------------- workers


class Sandbox(Domain, kw_only=True):
    execution_mode: ExecutionMode = ExecutionMode.UNSPECIFIED
    sandbox_backend: SandboxBackend = SandboxBackend.UNSPECIFIED
    workspace_ref: str = ""
    codex_home_ref: str = ""
    sandbox_session_ref: str = ""
    region: str = ""
    provider_project_ref: str = ""
    placement_ref: str = ""
    adapter: str = ""
    metadata: dict[str, str] = {}


class Worker(Domain, kw_only=True):
    worker_id: NonEmpty
    status: WorkerState
    latest_seq: Count = 0
    adapter: NonEmpty
    owner_user_ref: str = ""
    owner_guest_scope: str = ""
    sandbox: Sandbox | None = None
    metadata: dict[str, str] = {}
    started_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    last_heartbeat_at: dt.datetime | None = None


class RuntimeProjection(Domain, kw_only=True):
    runtime_source: Literal["runtime"] = "runtime"
    runtime_run_id: NonEmpty
    runtime_worker_id: NonEmpty
    runtime_seq: Seq
    runtime_seq_end: Seq
    projection_version: Seq
    projected_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.runtime_seq_end < self.runtime_seq:
            raise ContractError("runtime_seq_end", "out_of_range", "ends before runtime_seq")


class KhalaProjection(Domain, kw_only=True):
    document_id: NonEmpty
    last_runtime_seq: Count = 0
    lag_events: Count = 0
    status: NonEmpty
    projection_version: NonEmpty
    last_projected_at: dt.datetime | None = None


class WorkerSummary(Domain, kw_only=True):
    worker_id: NonEmpty
    status: WorkerState
    latest_seq: Count = 0
    workspace_ref: str = ""
    codex_home_ref: str = ""
    adapter: NonEmpty
    heartbeat_state: Literal["healthy", "late", "missing"]
    last_heartbeat_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    metadata: dict[str, str] = {}
    khala_projection: KhalaProjection | None = None


class WorkerSnapshot(Domain, kw_only=True):
    worker: Worker
    projection: RuntimeProjection

    def __post_init__(self) -> None:
        if self.projection.runtime_worker_id != self.worker.worker_id:
            raise ContractError("projection.runtime_worker_id", "mismatch", "projects another worker")


class WorkerCreateRequest(Domain, kw_only=True):
    request_id: str = ""
    worker_id: str = ""
    sandbox: Sandbox | None = None
    metadata: dict[str, str] = {}
    idempotency_key: str = ""


class WorkerCreateResponse(Domain, kw_only=True):
    worker: Worker
    idempotent_replay: bool = False
    projection: RuntimeProjection


class WorkerRequest(Domain, kw_only=True):
    worker_id: NonEmpty
    request_id: NonEmpty
    method: NonEmpty
    params: dict[str, Any] = {}


class WorkerRequestResponse(Domain, kw_only=True):
    worker_id: NonEmpty
    request_id: NonEmpty
    ok: bool
    response: dict[str, Any] = {}
    projection: RuntimeProjection | None = None


# ---------------------------------------------------------------------------------------- auth


class TokenReference(Domain, kw_only=True):
    token_ref: NonEmpty
    provider: NonEmpty
    scopes: list[str] = []
    expires_at: dt.datetime | None = None
    refreshable: bool = False


class DeviceFlow(Domain, kw_only=True):
    flow_id: NonEmpty
    provider: NonEmpty
    verification_uri: NonEmpty
    user_code_ref: NonEmpty
    expires_at: dt.datetime | None = None
    poll_interval_seconds: Seq
    status: Literal["pending", "approved", "denied", "expired"]


class AuthState(Domain, kw_only=True):
    worker_id: NonEmpty
    hydration_status: HydrationStatus
    provider: NonEmpty
    token_reference: TokenReference | None = None
    device_flow: DeviceFlow | None = None
    status_reason: str = ""
    observed_at: dt.datetime | None = None
    metadata: dict[str, str] = {}
    projection: RuntimeProjection | None = None

    def __post_init__(self) -> None:
        if self.hydration_status is HydrationStatus.AUTHENTICATED and self.token_reference is None:
            raise ContractError("token_reference", "missing", "an authenticated worker references its token")
        if self.hydration_status is HydrationStatus.DEVICE_FLOW_PENDING and self.device_flow is None:
            raise ContractError("device_flow", "missing", "a pending device flow must be described")


# ------------------------------------------------------------------------------- notifications


class _Params(msgspec.Struct, kw_only=True):
    """Params of a notification; extra keys are allowed (Codex adds fields over time)."""


class ThreadStarted(_Params, kw_only=True):
    thread_id: NonEmpty


class TurnStarted(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: NonEmpty
    model: str = ""
    reasoning_effort: str = ""


class ItemStarted(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: NonEmpty
    item_id: NonEmpty
    item_kind: NonEmpty


class AgentMessageDelta(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: NonEmpty
    item_id: NonEmpty
    delta: str


class ReasoningSummaryDelta(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: NonEmpty
    item_id: NonEmpty
    delta: str


class ItemCompleted(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: NonEmpty
    item_id: NonEmpty
    item_kind: NonEmpty
    item_status: NonEmpty


class TokenUsage(_Params, kw_only=True):
    input_tokens: Count = 0
    cached_input_tokens: Count = 0
    output_tokens: Count = 0
    reasoning_output_tokens: Count = 0


class TurnCompleted(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: NonEmpty
    status: NonEmpty
    token_usage: TokenUsage | None = None


class IosHandshake(_Params, kw_only=True):
    handshake_id: NonEmpty
    device_id: NonEmpty
    occurred_at: dt.datetime


class DesktopHandshakeAck(_Params, kw_only=True):
    handshake_id: NonEmpty
    desktop_session_id: NonEmpty
    occurred_at: dt.datetime


class UserMessageParams(_Params, kw_only=True):
    thread_id: NonEmpty
    turn_id: str = ""
    text: NonEmpty
    model: str = ""
    reasoning: str = ""


class UserMessage(_Params, kw_only=True):
    message_id: NonEmpty
    params: UserMessageParams


Params = (ThreadStarted | TurnStarted | ItemStarted | AgentMessageDelta | ReasoningSummaryDelta | ItemCompleted
          | TurnCompleted | IosHandshake | DesktopHandshakeAck | UserMessage)

# method -> (wire method text, params type, whether the typed fields live under "params")
METHODS: dict[NotificationMethod, tuple[str, type[_Params], bool]] = {
    NotificationMethod.THREAD_STARTED: ("thread/started", ThreadStarted, True),
    NotificationMethod.TURN_STARTED: ("turn/started", TurnStarted, True),
    NotificationMethod.ITEM_STARTED: ("item/started", ItemStarted, True),
    NotificationMethod.ITEM_AGENT_MESSAGE_DELTA: ("item/agentMessage/delta", AgentMessageDelta, True),
    NotificationMethod.ITEM_REASONING_DELTA: ("item/reasoning/summaryTextDelta", ReasoningSummaryDelta, True),
    NotificationMethod.ITEM_COMPLETED: ("item/completed", ItemCompleted, True),
    NotificationMethod.TURN_COMPLETED: ("turn/completed", TurnCompleted, True),
    NotificationMethod.IOS_HANDSHAKE: ("ios/handshake", IosHandshake, False),
    NotificationMethod.DESKTOP_HANDSHAKE_ACK: ("desktop/handshake_ack", DesktopHandshakeAck, False),
    NotificationMethod.USER_MESSAGE: ("ios/user_message", UserMessage, False),
}
METHOD_BY_TEXT = {text: method for method, (text, _, _) in METHODS.items()}


class ReplayMetadata(Domain, kw_only=True):
    topic: NonEmpty
    seq: Seq
    resume_after: Count = 0
    retention_floor: Count = 0
    replayed: bool = False


def parse_params(method: NotificationMethod, payload: dict[str, Any]) -> Params:
    """Typed params of a notification payload; ContractError names the missing or bad field."""
    _, params_type, nested = METHODS[method]
    source = payload.get("params") if nested else payload
    prefix = "payload.params" if nested else "payload"
    if not isinstance(source, dict):
        raise ContractError(prefix, "missing", f"{METHODS[method][0]} carries an object here")
    try:
        return msgspec.convert(source, params_type, strict=False)
    except msgspec.ValidationError as exc:
        from openagents_proto.bridge import contract_error

        raise contract_error(exc).nested(prefix) from None


class NotificationEvent(Domain, kw_only=True):
    worker_id: NonEmpty
    seq: Seq
    method: NotificationMethod
    method_text: NonEmpty
    occurred_at: dt.datetime | None = None
    replay: ReplayMetadata | None = None
    payload: dict[str, Any] = {}

    def __post_init__(self) -> None:
        expected = METHODS[self.method][0]
        if self.method_text != expected:
            raise ContractError("method_text", "mismatch", f"{self.method.value} is written {expected!r}")
        if self.payload.get("method", expected) != expected:
            raise ContractError("payload.method", "mismatch", f"must be {expected!r}")
        if self.replay is not None and self.replay.seq != self.seq:
            raise ContractError("replay.seq", "mismatch", f"{self.replay.seq} differs from the event seq {self.seq}")
        parse_params(self.method, self.payload)

    def params(self) -> Params:
        """The typed params (validated on conversion, so this does not fail for converted events)."""
        return parse_params(self.method, self.payload)


class StreamError(Domain, kw_only=True):
    code: StreamErrorCode
    message: NonEmpty
    retry_after_ms: Count = 0
    full_resync_required: bool = False
    reauth_required: bool = False
    topic: str = ""
    resume_after: Count = 0
    retention_floor: Count = 0

    def __post_init__(self) -> None:
        if self.code is StreamErrorCode.STALE_CURSOR and not self.full_resync_required:
            raise ContractError("full_resync_required", "mismatch", "a stale cursor always needs a full resync")
        if (self.code is StreamErrorCode.REAUTH_REQUIRED) != self.reauth_required:
            raise ContractError("reauth_required", "mismatch", f"must be {self.code is StreamErrorCode.REAUTH_REQUIRED}")
