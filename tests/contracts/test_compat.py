"""Compatibility negotiation against the reference scenarios."""

from __future__ import annotations

import pytest
from openagents_proto.sync.compat import CompatibilityWindow, negotiate

from tests.contracts.conftest import load_fixture

MANIFEST = load_fixture("compatibility-negotiation-v1.json")
WINDOW = CompatibilityWindow(**MANIFEST["window"])


@pytest.mark.parametrize("scenario", MANIFEST["scenarios"], ids=[s["name"] for s in MANIFEST["scenarios"]])
def test_reference_scenario(scenario: dict) -> None:
    result = negotiate(WINDOW, **scenario["request"])
    expected = scenario["result"]
    assert result.accepted is expected["accepted"]
    if expected["accepted"]:
        assert result.schema_version == scenario["request"]["schema_version"]
    else:
        assert (result.code, result.upgrade_required) == (expected["code"], expected["upgrade_required"])
        assert result.message


def test_build_id_with_a_suffix_orders_by_its_timestamp() -> None:
    ok = negotiate(WINDOW, client_build_id="20260221T130000Z-web.3", protocol_version="khala.ws.v1", schema_version=2)
    assert ok.accepted and ok.schema_version == 2


@pytest.mark.parametrize("build_id", ["", " 20260221T130000Z", "build id", "-x", "b" * 129, "caf\u00e9"])
def test_malformed_build_id_is_refused_with_an_upgrade(build_id: str) -> None:
    result = negotiate(WINDOW, client_build_id=build_id, protocol_version="khala.ws.v1", schema_version=1)
    assert not result.accepted
    assert (result.code, result.upgrade_required, result.field) == ("unsupported_client_build", True,
                                                                    "client_build_id")


@pytest.mark.parametrize("build_id", ["cli-1.2", "openagents-cli/0.1", "bench", "desktop-1.2.0", "web-2026.02.21.3",
                                      "20260221T130000"])
def test_other_clients_builds_are_judged_by_protocol_and_schema_only(build_id: str) -> None:
    """The build bounds order shell builds by time; the CLI and native apps name their own builds."""
    assert negotiate(WINDOW, client_build_id=build_id, protocol_version="khala.ws.v1", schema_version=1).accepted
    refused = negotiate(WINDOW, client_build_id=build_id, protocol_version="khala.ws.v2", schema_version=1)
    assert (refused.accepted, refused.code) == (False, "unsupported_protocol_version")


def test_a_deployed_newer_build_is_accepted_above_the_maximum() -> None:
    newer = "20260221T190000Z-abcdef0123"
    assert not negotiate(WINDOW, client_build_id=newer).accepted
    assert negotiate(WINDOW, client_build_id=newer, known_builds=frozenset({newer})).accepted


def test_the_http_gate_judges_the_build_alone() -> None:
    """Without a protocol or schema (an HTTP request names only its build) those checks are skipped."""
    assert negotiate(WINDOW, client_build_id="20260221T130000Z").accepted
    below = negotiate(WINDOW, client_build_id="20260221T110000Z")
    assert (below.accepted, below.code) == (False, "upgrade_required")


@pytest.mark.parametrize(("protocol", "schema", "field"), [("", 1, "protocol_version"), ("khala.ws.v1", 0, "schema_version")])
def test_an_empty_protocol_or_schema_zero_is_outside_the_window(protocol: str, schema: int, field: str) -> None:
    result = negotiate(WINDOW, client_build_id="20260221T130000Z", protocol_version=protocol, schema_version=schema)
    assert (result.accepted, result.upgrade_required, result.field) == (False, True, field)
