"""Domain types of the runtime contracts, with the run / worker lifecycle rules they obey."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

from openagents_proto.canonical import payload_hash
from openagents_proto.errors import ContractError
from openagents_proto.runtime.v1 import orchestration_pb2
from openagents_proto.types import Count, Domain, NonEmpty, Seq, Sha256Ref


class RunStatus(enum.StrEnum):
    CREATED = "created"
    RUNNING = "running"
    CANCELING = "canceling"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WorkerStatus(enum.StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class RuntimeErrorCode(enum.StrEnum):
    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    STALE_CURSOR = "stale_cursor"
    FORBIDDEN = "forbidden"
    POLICY_DENIED = "policy_denied"
    INTERNAL = "internal"


# Policy reason codes, one per registry entry ("policy_denied.budget_exhausted" ->
# ReasonCode.POLICY_DENIED_BUDGET_EXHAUSTED == "policy_denied_budget_exhausted"). Built from the
# proto enum so the two cannot disagree.
ReasonCode = enum.StrEnum(  # type: ignore[misc]
    "ReasonCode",
    {name.removeprefix("REASON_CODE_"): name.removeprefix("REASON_CODE_").lower()
     for name in orchestration_pb2.ReasonCode.keys() if name != "REASON_CODE_UNSPECIFIED"},
)


def reason_code_for(registry_code: str) -> ReasonCode:
    """The enum member of a registry code such as ``"ssrf_block.private_address"``."""
    try:
        return ReasonCode(registry_code.replace(".", "_"))
    except ValueError:
        raise ContractError("reason_code", "unknown_enum", f"{registry_code!r} is not a registered reason code") from None


TERMINAL_RUN_STATUSES = frozenset({RunStatus.CANCELED, RunStatus.SUCCEEDED, RunStatus.FAILED})
RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.CREATED: frozenset({RunStatus.RUNNING, RunStatus.CANCELED, RunStatus.FAILED}),
    RunStatus.RUNNING: frozenset({RunStatus.CANCELING, RunStatus.SUCCEEDED, RunStatus.FAILED}),
    RunStatus.CANCELING: frozenset({RunStatus.CANCELED, RunStatus.FAILED}),
    RunStatus.CANCELED: frozenset(),
    RunStatus.SUCCEEDED: frozenset(),
    RunStatus.FAILED: frozenset(),
}
# The event type that records a move into each status.
RUN_TRANSITION_EVENT: dict[RunStatus, str] = {
    RunStatus.RUNNING: "run.started",
    RunStatus.CANCELING: "run.cancel_requested",
    RunStatus.CANCELED: "run.finished",
    RunStatus.SUCCEEDED: "run.finished",
    RunStatus.FAILED: "run.finished",
}
# The status a worker lifecycle event puts the worker in.
WORKER_EVENT_STATUS: dict[str, WorkerStatus] = {
    "worker.starting": WorkerStatus.STARTING,
    "worker.started": WorkerStatus.RUNNING,
    "worker.heartbeat": WorkerStatus.RUNNING,
    "worker.stopping": WorkerStatus.STOPPING,
    "worker.stopped": WorkerStatus.STOPPED,
    "worker.failed": WorkerStatus.FAILED,
}


def check_run_transition(current: RunStatus, target: RunStatus, field: str = "to_status") -> RunStatus:
    """`target` if a run in `current` may move there, else ContractError(invalid_transition)."""
    if target not in RUN_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in RUN_TRANSITIONS[current])) or "nothing (terminal)"
        raise ContractError(field, "invalid_transition", f"{current.value} -> {target.value} is not allowed; "
                                                          f"{current.value} may move to {allowed}")
    return target


class Run(Domain, kw_only=True):
    run_id: NonEmpty
    status: RunStatus
    latest_seq: Count = 0
    owner_user_id: str = ""
    org_id: str = ""
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class RunLifecycleTransition(Domain, kw_only=True):
    run_id: NonEmpty
    from_status: RunStatus
    to_status: RunStatus
    transition_event_type: NonEmpty
    reason_class: str = ""
    latest_seq: Seq
    occurred_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        check_run_transition(self.from_status, self.to_status)
        expected = RUN_TRANSITION_EVENT[self.to_status]
        if self.transition_event_type != expected:
            raise ContractError("transition_event_type", "mismatch",
                                f"a move to {self.to_status.value} is recorded as {expected!r}")
        if self.to_status in TERMINAL_RUN_STATUSES and not self.reason_class:
            raise ContractError("reason_class", "missing", "a finished run says why (reason_class)")


class RunEvent(Domain, kw_only=True):
    run_id: NonEmpty
    seq: Seq
    event_type: NonEmpty
    occurred_at: dt.datetime | None = None
    payload: dict[str, Any] = {}
    payload_hash: Sha256Ref

    def __post_init__(self) -> None:
        if payload_hash(self.payload) != self.payload_hash:
            raise ContractError("payload_hash", "hash_mismatch", "does not match the canonical JSON of payload")


class WorkerLifecycleEvent(Domain, kw_only=True):
    worker_id: NonEmpty
    event_type: NonEmpty
    status: WorkerStatus
    seq: Seq
    reason: str = ""
    occurred_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        expected = WORKER_EVENT_STATUS.get(self.event_type)
        if expected is None:
            raise ContractError("event_type", "unknown_enum", f"{self.event_type!r} is not a worker lifecycle event")
        if self.status is not expected:
            raise ContractError("status", "mismatch", f"{self.event_type} leaves the worker {expected.value}")


class PolicyDecision(Domain, kw_only=True):
    decision: Literal["allowed", "denied"]
    reason_code: ReasonCode
    reason_codes_version: NonEmpty

    def __post_init__(self) -> None:
        allowed_code = self.reason_code.value.startswith("policy_allowed")
        if allowed_code != (self.decision == "allowed"):
            raise ContractError("reason_code", "mismatch", f"{self.reason_code.value} cannot explain {self.decision!r}")


class ReceiptBudget(Domain, kw_only=True):
    total_tokens: Count = 0
    spent_sats: Count = 0
    remaining_sats: Count = 0


class ReceiptTiming(Domain, kw_only=True):
    latency_ms: Count = 0


class RuntimePredictReceipt(Domain, kw_only=True):
    receipt_id: NonEmpty
    run_id: NonEmpty
    signature_id: NonEmpty
    strategy_id: NonEmpty
    compiled_id: NonEmpty
    schema_hash: Sha256Ref
    prompt_hash: Sha256Ref
    program_hash: Sha256Ref
    params_hash: Sha256Ref
    output_hash: Sha256Ref
    policy: PolicyDecision
    budget: ReceiptBudget | None = None
    timing: ReceiptTiming | None = None
    created_at: dt.datetime | None = None


class RuntimeReplayArtifact(Domain, kw_only=True):
    artifact_id: NonEmpty
    run_id: NonEmpty
    first_seq: Seq
    last_seq: Seq
    event_count: Seq
    replay_hash: Sha256Ref
    storage_ref: NonEmpty
    compression: Literal["gzip", "zstd", "none"]
    chunk_count: Seq

    def __post_init__(self) -> None:
        if self.last_seq < self.first_seq:
            raise ContractError("last_seq", "out_of_range", f"{self.last_seq} is before first_seq {self.first_seq}")
        if self.event_count != self.last_seq - self.first_seq + 1:
            raise ContractError("event_count", "mismatch", f"seq {self.first_seq}..{self.last_seq} holds "
                                                            f"{self.last_seq - self.first_seq + 1} events")


class RuntimeErrorInfo(Domain, kw_only=True):
    code: RuntimeErrorCode
    message: NonEmpty
    full_resync_required: bool = False


class RuntimeResultEnvelope(Domain, kw_only=True):
    ok: bool
    result_type: str = ""
    run_id: str = ""
    worker_id: str = ""
    request_id: str = ""
    error: RuntimeErrorInfo | None = None

    def __post_init__(self) -> None:
        if self.ok and (self.error is not None or not self.result_type):
            raise ContractError("result_type" if self.error is None else "error", "mismatch",
                                "a successful result has a result_type and no error")
        if not self.ok and self.error is None:
            raise ContractError("error", "missing", "a failed result carries an error")
