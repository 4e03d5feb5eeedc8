"""``POST /api/telemetry`` for the kinds issue 19 added to the contract: local storage resets and
renderer fallbacks are accepted, counted in ``openagents_client_telemetry_events_total{kind=...}``
(what ``/metrics`` sums across workers: e2e/test_shell_recovery.py reads it there), and a malformed one is refused whole with the error envelope."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.domains.ops import telemetry
from openagents_server.metrics.families import CLIENT_TELEMETRY
from openagents_server.settings import load_settings

FIXTURE = Path(__file__).parents[1] / "fixtures/protocol/client-telemetry-v1.json"
EVENTS = json.loads(FIXTURE.read_text())["events"]
RESET = next(e for e in EVENTS if "storage_reset" in e)
FALLBACK = next(e for e in EVENTS if "renderer_fallback" in e)


@pytest.fixture
async def client(database_url: str, tmp_path):
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             bundles_dir=str(tmp_path / "bundles"))
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


def count(kind: str) -> float:
    return CLIENT_TELEMETRY.labels(kind)._value.get()


def test_the_server_counts_every_kind_the_contract_has() -> None:
    assert set(telemetry.KINDS) == {"reconnect", "auth_failure", "replay", "storage_reset", "renderer_fallback"}


async def test_storage_resets_and_renderer_fallbacks_are_accepted_and_counted_by_kind(client) -> None:
    before = {kind: count(kind) for kind in telemetry.KINDS}
    reset_again = {**RESET, "event_id": "evt_storage_reset_002",
                   "storage_reset": {"reason_code": "future_version", "stores": ["meta", "watermarks", "documents",
                                                                                 "views"], "watermarks_kept": False}}
    answer = await client.post("/api/telemetry", json={"events": [RESET, FALLBACK, reset_again]})
    assert answer.status_code == 202, answer.text
    assert answer.json()["data"] == {"accepted": 3, "by_kind": {
        "reconnect": 0, "auth_failure": 0, "replay": 0, "storage_reset": 2, "renderer_fallback": 1}}
    assert count("storage_reset") - before["storage_reset"] == 2
    assert count("renderer_fallback") - before["renderer_fallback"] == 1
    assert count("reconnect") == before["reconnect"]


@pytest.mark.parametrize(("event", "field"), [
    ({**RESET, "storage_reset": {**RESET["storage_reset"], "reason_code": "Quota exceeded for alice@example.com"}},
     "events[1].storage_reset.reason_code"),
    ({**RESET, "storage_reset": {**RESET["storage_reset"], "stores": ["watermarks", "Secret Store!"]}},
     "events[1].storage_reset.stores"),
    ({**FALLBACK, "renderer_fallback": {**FALLBACK["renderer_fallback"], "reason_code": "GPU hung: see log"}},
     "events[1].renderer_fallback.reason_code"),
    ({**FALLBACK, "renderer_fallback": {"from_renderer": "webgpu", "to_renderer": "canvas2d"}},
     "events[1].renderer_fallback.reason_code"),
])
async def test_a_malformed_reset_or_fallback_refuses_the_whole_batch_with_the_envelope(
        client, event: dict[str, Any], field: str) -> None:
    before = {kind: count(kind) for kind in telemetry.KINDS}
    refused = await client.post("/api/telemetry", json={"events": [FALLBACK, event]})
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"]["code"] == "invalid_telemetry" and body["message"]
    assert any(key.startswith(field) for key in body["errors"]), body
    assert {kind: count(kind) for kind in telemetry.KINDS} == before  # all or nothing


async def test_an_unknown_field_in_a_new_detail_is_refused(client) -> None:
    leaky = {**FALLBACK, "renderer_fallback": {**FALLBACK["renderer_fallback"], "gpu_description": "NVIDIA ..."}}
    refused = await client.post("/api/telemetry", json={"events": [leaky]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_telemetry"
