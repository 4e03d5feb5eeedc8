"""Our own vectors (tests/fixtures/protocol/openagents-contract-cases-v1.json) for the messages the
reference fixtures do not cover: each valid case round-trips, each invalid variant is named."""

from __future__ import annotations

import importlib

import openagents_proto.codex.v1.workers_pb2
import openagents_proto.control.v1.envelope_pb2
import openagents_proto.runtime.v1.orchestration_pb2  # noqa: F401 - registers the descriptors
import pytest
from google.protobuf import json_format, message_factory, symbol_database
from openagents_proto import bridge
from openagents_proto.errors import ContractError

from tests.contracts.conftest import load_fixture

CASES = load_fixture("openagents-contract-cases-v1.json")["cases"]


def resolve(case: dict) -> tuple[type, type]:
    descriptor = symbol_database.Default().pool.FindMessageTypeByName(case["message"])
    module_name, type_name = case["domain"].split(".")
    domain_type = getattr(importlib.import_module(f"openagents_proto.{module_name}.domain"), type_name)
    return message_factory.GetMessageClass(descriptor), domain_type


@pytest.mark.parametrize("case", CASES, ids=[c["message"].rsplit(".", 1)[1] for c in CASES])
def test_own_case(case: dict) -> None:
    pb_type, domain_type = resolve(case)
    wire = json_format.ParseDict(case["valid"], pb_type())
    value = bridge.from_wire(wire, domain_type)
    assert bridge.to_wire(value, pb_type) == wire
    assert case["invalid"], "every case names at least one failure"
    for variant in case["invalid"]:
        with pytest.raises(ContractError) as caught:
            bridge.from_json({**case["valid"], **variant["patch"]}, pb_type, domain_type)
        assert (caught.value.field, caught.value.reason) == (variant["field"], variant["reason"]), str(caught.value)


def test_own_cases_cover_every_request_message_of_the_control_service() -> None:
    covered = {c["message"] for c in CASES}
    for name in ("AuthChallengeRequest", "AuthVerifyRequest", "SessionRefreshRequest", "SessionRevokeRequest",
                 "SyncTokenRequest"):
        assert f"openagents.control.v1.{name}" in covered
