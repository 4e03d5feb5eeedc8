"""The run and worker state machines: the contract fixture's transitions pass, others are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openagents_proto.runtime.domain import WORKER_EVENT_STATUS, RunStatus, WorkerStatus
from openagents_server.domains.runtime import lifecycle
from openagents_server.errors import Conflict

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "protocol" / "runtime-orchestration-v1.json").read_text())


def _status(name: str) -> str:
    return name.rsplit("_", 1)[-1].lower()


@pytest.mark.parametrize("case", FIXTURE["run_lifecycle_transitions"], ids=lambda c: f"{c['run_id']}-{_status(c['to_status'])}")
def test_every_fixture_run_transition_is_allowed_and_recorded_by_its_event(case: dict) -> None:
    event = lifecycle.run_move(_status(case["from_status"]), RunStatus(_status(case["to_status"])))
    assert event == case["transition_event_type"]


@pytest.mark.parametrize("case", FIXTURE["worker_lifecycle_events"], ids=lambda c: c["event_type"])
def test_every_fixture_worker_event_leaves_the_worker_in_its_status(case: dict) -> None:
    assert WORKER_EVENT_STATUS[case["event_type"]] == WorkerStatus(_status(case["status"]))


def test_the_fixture_worker_sequence_is_a_legal_path() -> None:
    status = WorkerStatus.STARTING
    for case in FIXTURE["worker_lifecycle_events"]:
        target = WorkerStatus(_status(case["status"]))
        if target != status:
            lifecycle.worker_move(status, target)
            status = target
    assert status is WorkerStatus.STOPPED


@pytest.mark.parametrize(("current", "target"), [("succeeded", RunStatus.RUNNING), ("created", RunStatus.CANCELING),
                                                 ("canceled", RunStatus.FAILED), ("running", RunStatus.CREATED)])
def test_an_invalid_run_transition_is_a_conflict_naming_the_rule(current: str, target: RunStatus) -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.run_move(current, target)
    assert refused.value.code == "invalid_run_transition"
    assert f"{current} -> {target.value}" in refused.value.message


@pytest.mark.parametrize(("current", "target"), [("stopped", WorkerStatus.RUNNING), ("stopping", WorkerStatus.RUNNING),
                                                 ("running", WorkerStatus.STARTING)])
def test_an_invalid_worker_transition_is_a_conflict_naming_the_rule(current: str, target: WorkerStatus) -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.worker_move(current, target)
    assert refused.value.code == "invalid_worker_transition"
