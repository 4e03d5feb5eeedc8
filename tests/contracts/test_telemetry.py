"""Client telemetry events: the reference vectors map onto ClientTelemetryEvent field for field."""

from __future__ import annotations

import pytest
from google.protobuf import json_format
from openagents_proto import bridge
from openagents_proto.errors import ContractError
from openagents_proto.sync import telemetry
from openagents_proto.sync.v1 import telemetry_pb2

from tests.contracts.conftest import load_fixture

EVENTS = load_fixture("client-telemetry-v1.json")["events"]


@pytest.mark.parametrize("event", EVENTS, ids=[e["event_id"] for e in EVENTS])
def test_fixture_event_parses_and_round_trips_losslessly(event: dict) -> None:
    message = json_format.ParseDict(event, telemetry_pb2.ClientTelemetryEvent())  # unknown field -> error
    again = telemetry_pb2.ClientTelemetryEvent.FromString(message.SerializeToString())
    back = json_format.MessageToDict(again, preserving_proto_field_name=True, unquote_int64_if_possible=True,
                                     always_print_fields_with_no_presence=True)
    assert back == event
    assert message.WhichOneof("detail") in {"reconnect", "auth_failure", "replay"}


def test_a_field_the_schema_does_not_know_is_refused() -> None:
    with pytest.raises(json_format.ParseError, match="access_token"):
        json_format.ParseDict({**EVENTS[0], "access_token": "secret"}, telemetry_pb2.ClientTelemetryEvent())


BREAKS = [
    ("actor_scope_hash", "alice@example.com", "actor_scope_hash", "malformed"),
    ("occurred_at_unix_ms", 0, "occurred_at_unix_ms", "out_of_range"),
    ("surface", "CLIENT_SURFACE_UNSPECIFIED", "surface", "missing"),
    ("event_id", "", "event_id", "missing"),
]


@pytest.mark.parametrize("event", EVENTS, ids=[e["event_id"] for e in EVENTS])
@pytest.mark.parametrize(("key", "value", "field", "reason"), BREAKS, ids=[b[0] for b in BREAKS])
def test_fixture_event_converts_to_the_domain_and_a_bad_field_is_named(
        event: dict, key: str, value: object, field: str, reason: str) -> None:
    domain_event = bridge.from_json(event, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent)
    assert bridge.to_wire(domain_event, telemetry_pb2.ClientTelemetryEvent) == json_format.ParseDict(
        event, telemetry_pb2.ClientTelemetryEvent())
    with pytest.raises(ContractError) as caught:
        bridge.from_json({**event, key: value}, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent)
    assert (caught.value.field, caught.value.reason) == (field, reason)


def test_free_text_reason_codes_are_refused() -> None:
    event = {**EVENTS[0], "reconnect": {**EVENTS[0]["reconnect"], "reason_code": "user typed: hello"}}
    with pytest.raises(ContractError) as caught:
        bridge.from_json(event, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent)
    assert (caught.value.field, caught.value.reason) == ("reconnect.reason_code", "malformed")


def test_an_event_without_detail_is_refused() -> None:
    bare = {k: v for k, v in EVENTS[0].items() if k != "reconnect"}
    with pytest.raises(ContractError) as caught:
        bridge.from_json(bare, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent)
    assert (caught.value.field, caught.value.reason) == ("detail", "missing")
