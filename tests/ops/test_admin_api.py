"""The admin console's API: administrators only, filters on the audit trail, controls, bundles."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import load_settings

from tests.identity.conftest import sign_in

ADMIN = "root@example.com"
READS = ("/api/admin/status", "/api/admin/audit", "/api/admin/routing", "/api/admin/bundles")


@pytest.fixture
async def client(database_url: str, tmp_path):
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning", admin_emails=(ADMIN,),
                             bundles_dir=str(tmp_path / "bundles"))
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_admin_endpoints_refuse_everyone_but_an_admin_session(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    other = await sign_in(client, db, "ada@example.com")
    pat = (await client.post("/api/tokens", headers=admin.headers, json={"name": "ops"})).json()["data"]["token"]
    for path in READS:
        assert (await client.get(path)).status_code == 401, path
        refused = await client.get(path, headers=other.headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_required", path
        assert (await client.get(path, headers={"authorization": f"Bearer {pat}"})).status_code == 403, path
        assert (await client.get(path, headers=admin.headers)).status_code == 200, path
    change = await client.put("/api/admin/routing/maintenance", headers=other.headers,
                              json={"on": False, "reason": "not mine"})
    assert change.status_code == 403


async def test_status_shows_nodes_bundles_queues_and_controls(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    await client.put("/api/admin/routing/routes", headers=admin.headers,
                     json={"route": "/api/chat", "disabled": True, "reason": "flaky upstream", "confirm": True})
    data = (await client.get("/api/admin/status", headers=admin.headers)).json()["data"]
    assert data["disabled_routes"] == ["/api/chat"] and data["maintenance"] is None
    assert data["bundles"][0]["cohort"] == "active"
    assert set(data["queues"]) == {"runtime_requests_open", "runtime_runs_open", "workers_live"}
    assert len(data["nodes"]) >= 1  # this process's Khala node publishes its stats


async def test_the_audit_trail_filters_by_event_outcome_and_user_and_pages(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    ada = await sign_in(client, db, "ada@example.com")
    for n in range(3):
        await client.put("/api/admin/routing/drivers", headers=admin.headers,
                         json={"cohort": f"user:u{n}", "driver": "demo", "reason": f"try {n}"})
    page = (await client.get("/api/admin/audit", params={"event": "ops.", "limit": 2},
                             headers=admin.headers)).json()["data"]
    assert [e["attributes"]["reason"] for e in page["events"]] == ["try 2", "try 1"]
    rest = (await client.get("/api/admin/audit", params={"event": "ops.", "before_id": page["next_before_id"]},
                             headers=admin.headers)).json()["data"]
    assert [e["attributes"]["reason"] for e in rest["events"]] == ["try 0"] and rest["next_before_id"] is None
    mine = (await client.get("/api/admin/audit", params={"user_id": ada.user_id},
                             headers=admin.headers)).json()["data"]["events"]
    assert mine and all(e["user_id"] == ada.user_id for e in mine)
    assert {e["event"] for e in mine} >= {"auth.verify.completed"}
    bad = await client.get("/api/admin/audit", params={"outcome": "maybe"}, headers=admin.headers)
    assert bad.status_code in (400, 422)


async def test_a_driver_override_decides_the_driver_of_a_cohorts_new_workers(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    ada = await sign_in(client, db, "ada@example.com")
    before = await client.post("/api/runtime/codex/workers", headers=ada.headers, json={"adapter": "demo"})
    assert before.json()["data"]["worker"]["adapter"] == "demo"
    set_ = await client.put("/api/admin/routing/drivers", headers=admin.headers,
                            json={"cohort": f"user:{ada.user_id}", "driver": "codex", "reason": "codex canary"})
    assert set_.status_code == 200 and set_.json()["data"]["control"]["value"] == "codex"
    after = await client.post("/api/runtime/codex/workers", headers=ada.headers, json={"adapter": "demo"})
    assert after.json()["data"]["worker"]["adapter"] == "codex"
    cleared = await client.put("/api/admin/routing/drivers", headers=admin.headers,
                               json={"cohort": f"user:{ada.user_id}", "driver": None, "reason": "canary over"})
    assert cleared.json()["data"]["control"] is None
    again = await client.put("/api/admin/routing/drivers", headers=admin.headers,
                             json={"cohort": f"user:{ada.user_id}", "driver": None, "reason": "twice"})
    assert again.status_code == 404
    bad = await client.put("/api/admin/routing/drivers", headers=admin.headers,
                           json={"cohort": "all", "driver": "gpt", "reason": "no such driver"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_driver"


async def test_destructive_rollout_actions_need_confirmation_and_refusals_are_explained(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    unconfirmed = await client.post("/api/admin/bundles/rollback", headers=admin.headers, json={"reason": "bad build"})
    assert unconfirmed.status_code == 422 and unconfirmed.json()["error"]["code"] == "confirmation_required"
    confirmed = await client.post("/api/admin/bundles/rollback", headers=admin.headers,
                                  json={"reason": "bad build", "confirm": True})
    assert confirmed.status_code == 409 and "nothing to roll back" in confirmed.json()["message"]
    kill = await client.put("/api/admin/bundles/killswitch", headers=admin.headers,
                            json={"on": True, "reason": "broken service worker", "confirm": True})
    assert kill.status_code == 200 and kill.json()["data"]["killswitch"] is True
    trail = (await client.get("/api/admin/audit", params={"event": "web.service_worker"},
                              headers=admin.headers)).json()["data"]["events"]
    assert trail[0]["user_id"] == admin.user_id and trail[0]["attributes"]["reason"] == "broken service worker"
    missing = await client.post("/api/admin/bundles/activate", headers=admin.headers,
                                json={"build_id": "nope1234", "reason": "try", "confirm": True})
    assert missing.status_code == 409 and "no bundle" in missing.json()["message"]


async def test_client_telemetry_is_validated_by_the_contract_and_counted_by_kind(client) -> None:
    import json
    from pathlib import Path

    from openagents_server.domains.ops import telemetry
    from openagents_server.metrics.families import CLIENT_TELEMETRY

    events = json.loads((Path(__file__).parents[1] / "fixtures/protocol/client-telemetry-v1.json").read_text())["events"]

    def count(kind: str) -> float:
        return CLIENT_TELEMETRY.labels(kind)._value.get()

    before = {kind: count(kind) for kind in telemetry.KINDS}
    accepted = await client.post("/api/telemetry", json={"events": events})
    assert accepted.status_code == 202, accepted.text
    by_kind = accepted.json()["data"]["by_kind"]
    assert sum(by_kind.values()) == len(events) == accepted.json()["data"]["accepted"]
    for kind, n in by_kind.items():
        assert count(kind) - before[kind] == n
    leaky = await client.post("/api/telemetry", json={"events": [{**events[0], "access_token": "secret"}]})
    assert leaky.status_code == 422 and leaky.json()["error"]["code"] == "invalid_telemetry"
    free_text = {**events[0], "actor_scope_hash": "alice@example.com"}
    refused = await client.post("/api/telemetry", json={"events": [events[0], free_text]})
    assert refused.status_code == 422 and "events[1].actor_scope_hash" in refused.json()["errors"]
    assert (await client.post("/api/telemetry", json={"events": []})).status_code == 422
