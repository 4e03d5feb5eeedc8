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
    assert message.WhichOneof("detail") in set(telemetry.DETAILS)


def test_the_fixture_covers_every_kind_of_detail() -> None:
    assert {json_format.ParseDict(e, telemetry_pb2.ClientTelemetryEvent()).WhichOneof("detail") for e in EVENTS} \
        == set(telemetry.DETAILS) == {f.name for f in telemetry_pb2.ClientTelemetryEvent.DESCRIPTOR.oneofs_by_name[
            "detail"].fields}


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


def _of(kind: str) -> dict:
    return next(e for e in EVENTS if kind in e)


@pytest.mark.parametrize(("kind", "key", "value", "reason"), [
    ("storage_reset", "reason_code", "Database 'x' is corrupt", "malformed"),
    ("storage_reset", "stores", ["watermarks", "user@example.com"], "malformed"),
    ("storage_reset", "stores", [f"s{n}" for n in range(17)], "malformed"),  # at most 16
    ("renderer_fallback", "reason_code", "GPU process crashed at 0x1f", "malformed"),
    ("renderer_fallback", "from_renderer", "", "malformed"),
    ("renderer_fallback", "to_renderer", "Canvas 2D", "malformed"),
])
def test_storage_reset_and_renderer_fallback_take_codes_not_free_text(kind: str, key: str, value: object,
                                                                       reason: str) -> None:
    event = _of(kind)
    with pytest.raises(ContractError) as caught:
        bridge.from_json({**event, kind: {**event[kind], key: value}}, telemetry_pb2.ClientTelemetryEvent,
                         telemetry.ClientTelemetryEvent)
    assert caught.value.field.startswith(f"{kind}.{key}") and caught.value.reason == reason


def test_two_details_in_one_event_are_refused() -> None:
    both = {**_of("storage_reset"), "renderer_fallback": _of("renderer_fallback")["renderer_fallback"]}
    with pytest.raises((ContractError, json_format.ParseError)):
        bridge.from_json(both, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent)


def test_an_event_without_detail_is_refused() -> None:
    bare = {k: v for k, v in EVENTS[0].items() if k != "reconnect"}
    with pytest.raises(ContractError) as caught:
        bridge.from_json(bare, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent)
    assert (caught.value.field, caught.value.reason) == ("detail", "missing")
