"""The generic wire <-> domain bridge: spelling of enums and times, and the errors it raises."""

from __future__ import annotations

import datetime as dt

import pytest
from openagents_proto import bridge
from openagents_proto.control import domain as control
from openagents_proto.control.v1 import auth_pb2, orgs_pb2
from openagents_proto.errors import ContractError

UTC = dt.UTC


def session(**overrides: object) -> control.Session:
    fields = {"session_id": "s1", "user_id": "u1", "device_id": "d1", "status": control.SessionStatus.ACTIVE,
                  "active_org_id": "user:u1",
                  "memberships": [control.OrgMembership(org_id="user:u1", org_slug="personal", role=control.OrgRole.OWNER,
                                                     default_org=True)],
                  "created_at": dt.datetime(2026, 2, 21, 7, 30, tzinfo=UTC)}
    return control.Session(**{**fields, **overrides})


def test_enums_and_timestamps_use_domain_spelling_both_ways() -> None:
    wire = bridge.to_wire(session(), auth_pb2.Session)
    assert wire.status == auth_pb2.SESSION_STATUS_ACTIVE
    assert wire.memberships[0].role == orgs_pb2.ORG_ROLE_OWNER
    assert wire.created_at.ToJsonString() == "2026-02-21T07:30:00Z"
    assert bridge.to_builtins(wire)["status"] == "active"
    assert bridge.from_wire(wire, control.Session) == session()


def test_unset_message_fields_stay_none() -> None:
    value = bridge.from_wire(bridge.to_wire(session(), auth_pb2.Session), control.Session)
    assert value.identity is None and value.access_token_expires_at is None


def test_to_wire_refuses_an_invalid_domain_value() -> None:
    with pytest.raises(ContractError) as caught:
        bridge.to_wire(session(active_org_id="org:other"), auth_pb2.Session)
    assert (caught.value.field, caught.value.reason) == ("active_org_id", "mismatch")


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ContractError) as caught:
        bridge.from_builtins({"created_at": dt.datetime(2026, 1, 1)}, auth_pb2.Session())
    assert (caught.value.field, caught.value.reason) == ("created_at", "malformed")


def test_unknown_fields_and_enum_names_are_refused() -> None:
    with pytest.raises(ContractError) as caught:
        bridge.from_builtins({"sesion_id": "typo"}, auth_pb2.Session())
    assert (caught.value.field, caught.value.reason) == ("sesion_id", "unknown_field")
    with pytest.raises(ContractError) as caught:
        bridge.from_builtins({"memberships": [{"role": "emperor"}]}, auth_pb2.Session())
    assert (caught.value.field, caught.value.reason) == ("memberships[0].role", "unknown_enum")


def test_wire_enum_numbers_from_a_newer_peer_are_named_not_crashed_on() -> None:
    wire = bridge.to_wire(session(), auth_pb2.Session)
    wire.status = 42  # proto3 enums are open: a newer schema may send values we do not know
    with pytest.raises(ContractError) as caught:
        bridge.from_wire(wire, control.Session)
    assert (caught.value.field, caught.value.reason) == ("status", "unknown_enum")


def test_json_and_bytes_entry_points() -> None:
    data = bridge.to_wire(session(), auth_pb2.Session).SerializeToString()
    assert bridge.from_bytes(data, auth_pb2.Session, control.Session) == session()
    with pytest.raises(ContractError) as caught:
        bridge.from_bytes(b"\xff\xff", auth_pb2.Session, control.Session)
    assert caught.value.reason == "malformed"
    as_json = bridge.to_json(session(), auth_pb2.Session)
    assert as_json["status"] == "SESSION_STATUS_ACTIVE"
    assert bridge.from_json(as_json, auth_pb2.Session, control.Session) == session()
    with pytest.raises(ContractError) as caught:
        bridge.from_json({**as_json, "token": "x"}, auth_pb2.Session, control.Session)
    assert (caught.value.field, caught.value.reason) == ("token", "unknown_field")


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"memberships": [{"org_idd": "x"}]}, "memberships[0].org_idd", "unknown_field"),
        ({"created_at": "yesterday"}, "created_at", "malformed"),
        ({"identity": {"email": 5}}, "identity.email", "malformed"),
        ({"memberships": "x"}, "memberships", "malformed"),
        ({"memberships": [{"role": "ORG_ROLE_EMPEROR"}]}, "memberships[0].role", "unknown_enum"),
    ],
)
def test_json_parse_errors_name_the_field(data: dict, field: str, reason: str) -> None:
    with pytest.raises(ContractError) as caught:
        bridge.from_json(data, auth_pb2.Session, control.Session)
    assert (caught.value.field, caught.value.reason) == (field, reason), str(caught.value)


def test_email_shape_is_checked() -> None:
    with pytest.raises(ContractError) as caught:
        bridge.from_json({"email": "not-an-email", "device_id": "d"}, auth_pb2.AuthChallengeRequest,
                         control.AuthChallengeRequest)
    assert (caught.value.field, caught.value.reason) == ("email", "malformed")
