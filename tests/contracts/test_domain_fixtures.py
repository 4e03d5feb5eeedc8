"""Control, runtime and Codex vectors: each converts wire -> domain -> wire losslessly, and a
one-field mutation of it is refused with that field named."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from google.protobuf import json_format
from openagents_proto import bridge
from openagents_proto.codex import domain as codex
from openagents_proto.codex.v1 import auth_pb2 as codex_auth_pb2
from openagents_proto.codex.v1 import events_pb2, workers_pb2
from openagents_proto.control import domain as control
from openagents_proto.control.v1 import auth_pb2, sync_token_pb2
from openagents_proto.errors import ContractError
from openagents_proto.runtime import domain as runtime
from openagents_proto.runtime.v1 import orchestration_pb2 as orch

from tests.contracts.conftest import load_fixture

DELETE = object()
FIXTURES = {
    "control": load_fixture("control-auth-session-v1.json"),
    "runtime": load_fixture("runtime-orchestration-v1.json"),
    "codex": load_fixture("codex-worker-events-v1.json"),
}


def at(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


# (fixture, path to the vector, wire type, domain type, mutation path, new value, field, reason)
CASES: list[tuple] = [
    ("control", ("auth_challenge_success",), auth_pb2.AuthChallengeResponse, control.AuthChallengeResponse,
     ("status",), "AUTH_CHALLENGE_STATUS_UNSPECIFIED", "status", "missing"),
    ("control", ("auth_verify_success",), auth_pb2.AuthVerifyResponse, control.AuthVerifyResponse,
     ("session", "active_org_id"), "org:elsewhere", "session.active_org_id", "mismatch"),
    ("control", ("auth_verify_success",), auth_pb2.AuthVerifyResponse, control.AuthVerifyResponse,
     ("session", "refresh_token"), DELETE, "session.access_token", "missing"),
    ("control", ("session_refresh_success",), auth_pb2.SessionRefreshResponse, control.SessionRefreshResponse,
     ("session", "refresh_token_id"), "rft_01HZZ3Q9E6F7V3W9W8J9N2Q3P4", "session.refresh_token_id", "mismatch"),
    ("control", ("sync_token_success",), sync_token_pb2.SyncTokenResponse, control.SyncTokenResponse,
     ("expires_in_seconds",), 3600, "expires_in_seconds", "out_of_range"),
    ("control", ("sync_token_success",), sync_token_pb2.SyncTokenResponse, control.SyncTokenResponse,
     ("audience",), "openagents-api", "audience", "unknown_enum"),
    ("control", ("sync_token_invalid_scope_error",), auth_pb2.ControlError, control.ControlError,
     ("message",), DELETE, "message", "missing"),
    ("control", ("reauth_required_error",), auth_pb2.ControlError, control.ControlError,
     ("reauth_required",), False, "reauth_required", "mismatch"),
    ("control", ("session_revoked_error",), auth_pb2.ControlError, control.ControlError,
     ("code",), "CONTROL_ERROR_CODE_UNSPECIFIED", "code", "missing"),
    *[
        ("runtime", ("run_lifecycle_transitions", i), orch.RunLifecycleTransition, runtime.RunLifecycleTransition,
         ("from_status",), "RUNTIME_RUN_STATUS_SUCCEEDED", "to_status", "invalid_transition")
        for i in range(5)
    ],
    ("runtime", ("run_lifecycle_transitions", 2), orch.RunLifecycleTransition, runtime.RunLifecycleTransition,
     ("reason_class",), DELETE, "reason_class", "missing"),
    *[
        ("runtime", ("worker_lifecycle_events", i), orch.WorkerLifecycleEvent, runtime.WorkerLifecycleEvent,
         ("status",), "RUNTIME_WORKER_STATUS_FAILED", "status", "mismatch")
        for i in range(3)
    ],
    ("runtime", ("runtime_predict_receipt",), orch.RuntimePredictReceipt, runtime.RuntimePredictReceipt,
     ("policy", "decision"), "denied", "policy.reason_code", "mismatch"),
    ("runtime", ("runtime_replay_artifact",), orch.RuntimeReplayArtifact, runtime.RuntimeReplayArtifact,
     ("event_count",), 7, "event_count", "mismatch"),
    *[
        ("runtime", ("result_envelope_examples", i), orch.RuntimeResultEnvelope, runtime.RuntimeResultEnvelope,
         ("ok",), i == 2, "error", "mismatch" if i == 2 else "missing")
        for i in range(3)
    ],
    ("codex", ("worker_summary",), workers_pb2.CodexWorkerSummary, codex.WorkerSummary,
     ("heartbeat_state",), "asleep", "heartbeat_state", "unknown_enum"),
    ("codex", ("worker_snapshot",), workers_pb2.CodexWorkerSnapshot, codex.WorkerSnapshot,
     ("projection", "runtime_worker_id"), "someone-else", "projection.runtime_worker_id", "mismatch"),
    ("codex", ("worker_create_response",), workers_pb2.CodexWorkerCreateResponse, codex.WorkerCreateResponse,
     ("worker", "worker_id"), DELETE, "worker.worker_id", "missing"),
    ("codex", ("worker_request_response",), workers_pb2.CodexWorkerRequestResponse, codex.WorkerRequestResponse,
     ("projection", "runtime_seq"), 0, "projection.runtime_seq", "out_of_range"),
    ("codex", ("auth_states", "authenticated"), codex_auth_pb2.CodexAuthState, codex.AuthState,
     ("token_reference",), DELETE, "token_reference", "missing"),
    ("codex", ("auth_states", "device_flow_pending"), codex_auth_pb2.CodexAuthState, codex.AuthState,
     ("device_flow", "poll_interval_seconds"), 0, "device_flow.poll_interval_seconds", "out_of_range"),
    ("codex", ("stream_errors", "stale_cursor"), events_pb2.CodexStreamError, codex.StreamError,
     ("full_resync_required",), False, "full_resync_required", "mismatch"),
    ("codex", ("stream_errors", "reauth_required"), events_pb2.CodexStreamError, codex.StreamError,
     ("reauth_required",), False, "reauth_required", "mismatch"),
]

# every notification vector: happy path, then a named failure specific to its method
_NOTIFICATION_BREAKS = {
    "thread/started": (("payload", "params", "thread_id"), DELETE, "payload.params.thread_id", "missing"),
    "turn/started": (("payload", "params", "turn_id"), DELETE, "payload.params.turn_id", "missing"),
    "item/started": (("payload", "params", "item_kind"), "", "payload.params.item_kind", "missing"),
    "item/agentMessage/delta": (("payload", "params", "delta"), 42, "payload.params.delta", "malformed"),
    "item/reasoning/summaryTextDelta": (("method_text",), "item/reasoning/delta", "method_text", "mismatch"),
    "item/completed": (("payload", "method"), "item/started", "payload.method", "mismatch"),
    "turn/completed": (("payload", "params", "token_usage", "output_tokens"), -1,
                       "payload.params.token_usage.output_tokens", "out_of_range"),
    "ios/handshake": (("payload", "occurred_at"), "yesterday", "payload.occurred_at", "malformed"),
    "desktop/handshake_ack": (("replay", "seq"), 1, "replay.seq", "mismatch"),
    "ios/user_message": (("payload", "params", "text"), DELETE, "payload.params.text", "missing"),
}
for index, event in enumerate(FIXTURES["codex"]["notification_events"]):
    CASES.append(("codex", ("notification_events", index), events_pb2.CodexNotificationEvent,
                  codex.NotificationEvent, *_NOTIFICATION_BREAKS[event["method_text"]]))


def _case_id(case: tuple) -> str:
    return "/".join(str(p) for p in (case[0], *case[1], *case[4]))


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_vector_round_trips_and_its_mutation_is_named(case: tuple) -> None:
    fixture, path, pb_type, domain_type, mutate_path, new_value, field, reason = case
    vector = at(FIXTURES[fixture], path)

    wire = json_format.ParseDict(vector, pb_type())  # the schema knows every field of the vector
    value = bridge.from_wire(wire, domain_type)
    assert isinstance(value, domain_type)
    assert bridge.to_wire(value, pb_type) == wire  # nothing lost either way

    broken = copy.deepcopy(vector)
    parent = at(broken, mutate_path[:-1])
    if new_value is DELETE:
        del parent[mutate_path[-1]]
    else:
        parent[mutate_path[-1]] = new_value
    with pytest.raises(ContractError) as caught:
        bridge.from_json(broken, pb_type, domain_type)
    assert (caught.value.field, caught.value.reason) == (field, reason), str(caught.value)


def test_every_codex_method_of_the_enum_has_a_vector_and_typed_params() -> None:
    vector_methods = {e["method"] for e in FIXTURES["codex"]["notification_events"]}
    wire_methods = set(events_pb2.CodexNotificationMethod.keys()) - {"CODEX_NOTIFICATION_METHOD_UNSPECIFIED"}
    assert vector_methods == wire_methods
    assert {m.name for m in codex.METHODS} == {m.removeprefix("CODEX_NOTIFICATION_METHOD_") for m in wire_methods}


def test_codex_notification_order_of_a_turn() -> None:
    events = [bridge.from_json(e, events_pb2.CodexNotificationEvent, codex.NotificationEvent)
              for e in FIXTURES["codex"]["notification_events"][:7]]
    assert [e.method_text for e in events] == [
        "thread/started", "turn/started", "item/started", "item/agentMessage/delta",
        "item/reasoning/summaryTextDelta", "item/completed", "turn/completed"]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    usage = events[-1].params().token_usage
    assert (usage.input_tokens, usage.output_tokens, usage.reasoning_output_tokens) == (31, 24, 10)
    assert isinstance(usage.input_tokens, int)  # Struct numbers are doubles on the wire


def test_every_registered_policy_reason_code_has_an_enum_value() -> None:
    registry = load_fixture("runtime-policy-reason-codes.v1.json")
    codes = [entry["code"] for entry in registry["reason_codes"]]
    assert {runtime.reason_code_for(code).value for code in codes} == {m.value for m in runtime.ReasonCode}
    for entry in registry["reason_codes"]:
        assert entry["code"].split(".")[0] == entry["domain"]
    with pytest.raises(ContractError) as caught:
        runtime.reason_code_for("policy_denied.because")
    assert caught.value.reason == "unknown_enum"


def test_run_transition_rules_allow_the_lifecycle_and_refuse_leaving_a_terminal_state() -> None:
    status = runtime.RunStatus.CREATED
    for target in (runtime.RunStatus.RUNNING, runtime.RunStatus.CANCELING, runtime.RunStatus.CANCELED):
        status = runtime.check_run_transition(status, target)
    with pytest.raises(ContractError, match="canceled -> running is not allowed") as caught:
        runtime.check_run_transition(status, runtime.RunStatus.RUNNING)
    assert caught.value.reason == "invalid_transition"


def test_run_event_payload_hash_is_checked_with_the_shared_helper() -> None:
    from openagents_proto.canonical import payload_hash

    payload = {"step": 3, "tokens": [1, 2]}
    event = runtime.RunEvent(run_id="run_1", seq=3, event_type="run.step", payload=payload,
                             payload_hash=payload_hash(payload))
    wire = bridge.to_wire(event, orch.RunEvent)
    assert bridge.from_wire(wire, runtime.RunEvent) == event  # Struct doubles come back as ints
    wire.payload["step"] = 4
    with pytest.raises(ContractError) as caught:
        bridge.from_wire(wire, runtime.RunEvent)
    assert (caught.value.field, caught.value.reason) == ("payload_hash", "hash_mismatch")


def test_control_envelope_examples_name_real_oneof_payloads() -> None:
    examples = FIXTURES["control"]["operation_envelope_examples"]
    from openagents_proto.control.v1 import envelope_pb2

    oneof = {f.name for f in envelope_pb2.ControlEnvelope.DESCRIPTOR.oneofs_by_name["payload"].fields}
    vectors = {"challenge": "auth_challenge_success", "verify": "auth_verify_success",
               "sync_token": "sync_token_success", "error": "sync_token_invalid_scope_error"}
    for example in examples:
        assert example["payload"] in oneof
        body = FIXTURES["control"][vectors[example["payload"]]]
        envelope = bridge.from_json({"request_id": example["request_id"], example["payload"]: body},
                                    envelope_pb2.ControlEnvelope, control.ControlEnvelope)
        assert envelope.payload_names() == [example["payload"]]
        if "error_code" in example:
            assert envelope.error.code.value == example["error_code"].removeprefix("CONTROL_ERROR_CODE_").lower()
    with pytest.raises(ContractError) as caught:
        bridge.from_json({"request_id": "r"}, envelope_pb2.ControlEnvelope, control.ControlEnvelope)
    assert (caught.value.field, caught.value.reason) == ("payload", "missing")


def test_secrets_never_appear_in_reprs() -> None:
    verify = bridge.from_json(FIXTURES["control"]["auth_verify_success"], auth_pb2.AuthVerifyResponse,
                              control.AuthVerifyResponse)
    token = bridge.from_json(FIXTURES["control"]["sync_token_success"], sync_token_pb2.SyncTokenResponse,
                             control.SyncTokenResponse)
    text = repr(verify) + repr(token) + repr(control.AuthVerifyRequest(challenge_id="c", code="123456", device_id="d"))
    for secret in ("pat_local_abc", "rt_local_abc", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "123456"):
        assert secret not in text


def test_control_error_codes_have_http_statuses_matching_the_envelope() -> None:
    assert set(control.HTTP_STATUS) == set(control.ControlErrorCode)
    wire = {n.removeprefix("CONTROL_ERROR_CODE_").lower() for n in auth_pb2.ControlErrorCode.keys()} - {"unspecified"}  # noqa: SIM118
    assert wire == {c.value for c in control.ControlErrorCode}
    assert control.HTTP_STATUS[control.ControlErrorCode.INVALID_SCOPE] == 422


def test_every_reference_vector_is_run() -> None:
    """A vector added to a fixture file fails this until a case runs it."""
    covered = {(case[0], case[1]) for case in CASES}
    control_vectors = {("control", (k,)) for k in FIXTURES["control"] if k != "operation_envelope_examples"}
    runtime_vectors = {("runtime", (k, i)) for k in ("run_lifecycle_transitions", "worker_lifecycle_events",
                                                     "result_envelope_examples")
                       for i in range(len(FIXTURES["runtime"][k]))}
    runtime_vectors |= {("runtime", (k,)) for k in ("runtime_predict_receipt", "runtime_replay_artifact")}
    codex_vectors = {("codex", (k,)) for k in ("worker_summary", "worker_snapshot", "worker_create_response",
                                               "worker_request_response")}
    codex_vectors |= {("codex", (k, name)) for k in ("auth_states", "stream_errors") for name in FIXTURES["codex"][k]}
    codex_vectors |= {("codex", ("notification_events", i)) for i in range(len(FIXTURES["codex"]["notification_events"]))}
    assert control_vectors | runtime_vectors | codex_vectors == covered
    assert set(FIXTURES["runtime"]) == {"schema", "schema_version", "run_lifecycle_transitions",
                                        "worker_lifecycle_events", "runtime_predict_receipt",
                                        "runtime_replay_artifact", "result_envelope_examples"}
    assert set(FIXTURES["codex"]) == {"worker_summary", "worker_snapshot", "worker_create_response",
                                      "worker_request_response", "auth_states", "notification_events",
                                      "stream_errors"}
