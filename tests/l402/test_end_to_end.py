"""Acceptance, end to end on a real granian server: an agent's L402 client calls a paywalled route of
this platform → 402 → its wallet pays through the fake backend → the retry succeeds → the settlement
and the payment both exist, with matching payment hashes and a verified receipt, and both were
published on Khala (the /l402 pages' live updates) in the transactions that recorded them."""

from __future__ import annotations

import httpx
import pytest

from tests.identity.conftest import sign_in
from tests.l402.conftest import ADMIN


@pytest.fixture
def server(live_server):
    # The agent pays this very server on 127.0.0.1: the L402 client's development allowance, explicit.
    return live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN, "OPENAGENTS_API_BURST": "5000",
                            "OPENAGENTS_L402_HTTP_ALLOW": "127.0.0.1"})


async def test_an_agent_pays_a_paywalled_route_and_both_sides_see_it(server, db) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await sign_in(http, db, ADMIN)
        created = await http.post("/api/l402/paywalls", headers=admin.headers,
                                  json={"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 21})
        assert created.status_code == 201, created.text
        # The agent acts with a personal access token, like an autopilot would.
        token = (await http.post("/api/tokens", headers=admin.headers, json={"name": "autopilot"})).json()["data"]["token"]
        agent = {"authorization": f"Bearer {token}"}
        await http.post("/api/agent-payments/wallet", headers=agent, json={"allowed_hosts": ["127.0.0.1"]})
        await http.post("/api/agent-payments/invoice", headers=agent, json={"amount_sats": 1000})
        url = f"{server.url}/api/demo/fortune"
        assert (await http.get(url)).status_code == 402

        fetched = await http.post("/api/agent-payments/l402/fetch", headers=agent, json={"url": url, "max_price_sats": 50})
        assert fetched.status_code == 200, fetched.text
        result = fetched.json()["data"]
        assert (result["status"], result["paid"], result["used_cached_credential"]) == (200, True, False)
        assert "satoshi" in result["body"]
        payment = result["payment"]
        assert (payment["status"], payment["amount_sats"], payment["host"]) == ("succeeded", 21, "127.0.0.1")

        again = (await http.post("/api/agent-payments/l402/fetch", headers=agent, json={"url": url})).json()["data"]
        assert (again["status"], again["paid"], again["used_cached_credential"]) == (200, False, True)

        settlements = (await http.get("/api/l402/settlements", headers=admin.headers)).json()["data"]
        assert settlements["total_count"] == 1
        assert settlements["settlements"][0]["payment_hash"] == payment["payment_hash"]
        detail = (await http.get(f"/api/l402/transactions/{payment['id']}", headers=agent)).json()["data"]
        assert detail["receipt_verified"] and detail["receipt_sha256"] == payment["receipt_sha256"]
        balance = (await http.get("/api/agents/me/balance", headers=agent)).json()["data"]
        assert balance["balance_msat"] == 1_000_000 - 21_000

    kinds = [r["kind"] for r in await db.fetch("SELECT kind FROM khala_events WHERE topic = $1 ORDER BY seq",
                                               f"user:{admin.user_id}:notifications")]
    assert "l402.settlement.recorded" in kinds and "payments.transaction.updated" in kinds


async def test_the_l402_client_refuses_hosts_and_prices_outside_the_policy_and_pays_nothing(server, db) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await sign_in(http, db, ADMIN)
        await http.post("/api/l402/paywalls", headers=admin.headers,
                        json={"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 21})
        await http.post("/api/agent-payments/wallet", headers=admin.headers, json={"allowed_hosts": ["example.com"]})
        await http.post("/api/agent-payments/invoice", headers=admin.headers, json={"amount_sats": 1000})
        url = f"{server.url}/api/demo/fortune"
        refused = await http.post("/api/agent-payments/l402/fetch", headers=admin.headers, json={"url": url})
        assert refused.status_code == 403 and refused.json()["error"]["reason"] == "host_not_allowed"
        allowed = await http.post("/api/agent-payments/wallet", headers=admin.headers, json={"allowed_hosts": ["127.0.0.1:*"]})
        assert allowed.status_code == 200, allowed.text
        pricey = await http.post("/api/agent-payments/l402/fetch", headers=admin.headers, json={"url": url, "max_price_sats": 20})
        assert pricey.status_code == 403 and pricey.json()["error"]["reason"] == "over_max_price"
        assert (await http.get("/api/agent-payments/balance", headers=admin.headers)).json()["data"]["balance_msat"] == 1_000_000
