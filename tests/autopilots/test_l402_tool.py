"""``l402.fetch`` through the payments domain's L402 client, on a real granian server against the
platform's own paywalled route: the autopilot owner's wallet pays within its spend policy, the run's
tool receipt binds the wallet payment's receipt, and the seller side records the settlement."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.autopilots.conftest import Person, wait_finished
from tests.identity.conftest import sign_in
from tests.l402.conftest import ADMIN


@pytest.fixture
def server(live_server):
    return live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN, "OPENAGENTS_API_BURST": "5000",
                            "OPENAGENTS_TOOLS_HTTP_ALLOW": "127.0.0.1", "OPENAGENTS_L402_HTTP_ALLOW": "127.0.0.1"})


async def test_an_autopilot_pays_a_paywalled_route_within_the_owners_spend_policy(server, db) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await sign_in(http, db, ADMIN)
        paywall = await http.post("/api/l402/paywalls", headers=admin.headers,
                                  json={"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 21})
        assert paywall.status_code == 201, paywall.text
        ada = Person(await sign_in(http, db, "ada@example.com"), http)
        assert (await ada.post("/api/agent-payments/wallet", {"allowed_hosts": ["127.0.0.1"]})).status_code in (200, 201)
        assert (await ada.post("/api/agent-payments/invoice", {"amount_sats": 1000})).status_code == 201
        autopilot = await ada.autopilot(tool_policy={"l402.fetch": "allow"})
        url = f"{server.url}/api/demo/fortune"

        # Over the call's own cap, or a host outside the wallet's allowed hosts: refused by the spend
        # policy before anything is paid.
        pricey = (await ada.tool("pay-cap", "l402.fetch", {"url": url, "max_sats": 20},
                                 autopilot_id=autopilot["id"])).json()["data"]
        assert pricey["status"] == "failed" and pricey["error"]["code"] == "over_max_price", pricey
        await ada.post("/api/agent-payments/wallet", {"allowed_hosts": ["example.com"]})
        other = (await ada.tool("pay-host", "l402.fetch", {"url": url}, autopilot_id=autopilot["id"])).json()["data"]
        assert other["status"] == "failed" and other["error"]["code"] == "host_not_allowed", other
        assert (await ada.get("/api/agent-payments/balance")).json()["data"]["balance_msat"] == 1_000_000
        await ada.post("/api/agent-payments/wallet", {"allowed_hosts": ["127.0.0.1"]})

        run = (await ada.post(f"/api/autopilots/{autopilot['id']}/stream", {"text": f"pay {url}"})).json()["data"]
        events = (await wait_finished(db, run["run_id"]))["events"]
        result = next(e for e in events if e["type"] == "tool.result")
        assert (result["tool"], result["status"], result["decision"]["decision"]) == ("l402.fetch", "succeeded",
                                                                                        "allowed"), result
        fetched = result["result"]
        assert fetched["status"] == 200 and fetched["paid"] is True and "satoshi" in fetched["body"]
        payment = fetched["payment"]
        assert (payment["status"], payment["amount_sats"]) == ("succeeded", 21)
        assert events[-1]["status"] == "succeeded"
        # Buyer's side: the wallet transaction and its verified receipt; the tool's receipt binds it.
        detail = (await ada.get(f"/api/l402/transactions/{payment['id']}")).json()["data"]
        assert detail["receipt_verified"] and detail["receipt_sha256"] == payment["receipt_sha256"]
        stored = await db.fetchrow("SELECT receipt_hash, result FROM tool_invocations WHERE invocation_id = $1",
                                   result["invocation_id"])
        assert stored["receipt_hash"] == result["receipt_hash"]
        assert json.loads(stored["result"])["payment"]["receipt_sha256"] == payment["receipt_sha256"]
        # Seller's side: the settlement with the same payment hash.
        settlements = (await http.get("/api/l402/settlements", headers=admin.headers)).json()["data"]
        assert [s["payment_hash"] for s in settlements["settlements"]] == [payment["payment_hash"]]
        balance = (await ada.get("/api/agent-payments/balance")).json()["data"]
        assert balance["balance_msat"] == 1_000_000 - 21_000



async def test_l402_fetch_to_a_private_target_is_refused_before_any_payment(server, db) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        ada = Person(await sign_in(http, db, "ada@example.com"), http)
        autopilot = await ada.autopilot(tool_policy={"l402.fetch": "allow"})
        refused = (await ada.tool("pay-meta", "l402.fetch", {"url": "http://169.254.169.254/latest/meta-data"},
                                  autopilot_id=autopilot["id"])).json()["data"]
        assert refused["status"] == "denied" and refused["decision"]["reason_code"] == "ssrf_block.metadata_endpoint"
