"""The run and worker state machines. A refused move is a :class:`Conflict` whose code names the rule.

Run rules come from the contract (``openagents_proto.runtime.domain.RUN_TRANSITIONS``); worker rules
are ours: a stopped or failed worker may start again (the same id re-registers), nothing else goes
backwards.
"""

from __future__ import annotations

from openagents_proto.errors import ContractError
from openagents_proto.runtime.domain import (
    RUN_TRANSITION_EVENT,
    TERMINAL_RUN_STATUSES,
    RunStatus,
    WorkerStatus,
    check_run_transition,
)

from openagents_server.errors import Conflict

#: Seconds without a heartbeat after which a running worker is stale (not offered new requests).
HEARTBEAT_STALE_SECONDS = 120

WORKER_TRANSITIONS: dict[WorkerStatus, frozenset[WorkerStatus]] = {
    WorkerStatus.STARTING: frozenset({WorkerStatus.RUNNING, WorkerStatus.STOPPING, WorkerStatus.STOPPED,
                                      WorkerStatus.FAILED}),
    WorkerStatus.RUNNING: frozenset({WorkerStatus.STOPPING, WorkerStatus.STOPPED, WorkerStatus.FAILED}),
    WorkerStatus.STOPPING: frozenset({WorkerStatus.STOPPED, WorkerStatus.FAILED}),
    WorkerStatus.STOPPED: frozenset({WorkerStatus.STARTING}),
    WorkerStatus.FAILED: frozenset({WorkerStatus.STARTING}),
}
#: The lifecycle event recorded for a move into each worker status.
WORKER_STATUS_EVENT: dict[WorkerStatus, str] = {
    WorkerStatus.STARTING: "worker.starting",
    WorkerStatus.RUNNING: "worker.started",
    WorkerStatus.STOPPING: "worker.stopping",
    WorkerStatus.STOPPED: "worker.stopped",
    WorkerStatus.FAILED: "worker.failed",
}


def run_move(current: str, target: RunStatus) -> str:
    """The event type recording ``current → target``; Conflict ``invalid_run_transition`` if refused."""
    try:
        check_run_transition(RunStatus(current), target)
    except ContractError as exc:
        raise Conflict("invalid_run_transition", f"run {exc.detail}",
                       details={"from": current, "to": target.value}) from None
    return RUN_TRANSITION_EVENT[target]


def worker_move(current: str, target: WorkerStatus) -> str:
    """The event type recording ``current → target``; Conflict ``invalid_worker_transition`` if refused."""
    allowed = WORKER_TRANSITIONS[WorkerStatus(current)]
    if target not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "nothing"
        raise Conflict("invalid_worker_transition",
                       f"worker {current} -> {target.value} is not allowed; {current} may move to {names}",
                       details={"from": current, "to": target.value})
    return WORKER_STATUS_EVENT[target]


def is_terminal(status: str) -> bool:
    return RunStatus(status) in TERMINAL_RUN_STATUSES
