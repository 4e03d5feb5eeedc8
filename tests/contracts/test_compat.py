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


@pytest.mark.parametrize("build_id", ["", "web-2026.02.21.3", "20260221T130000"])
def test_malformed_build_id_is_refused_with_an_upgrade(build_id: str) -> None:
    result = negotiate(WINDOW, client_build_id=build_id, protocol_version="khala.ws.v1", schema_version=1)
    assert not result.accepted
    assert (result.code, result.upgrade_required) == ("unsupported_client_build", True)
