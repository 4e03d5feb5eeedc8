"""``/api/internal/lightning-ops/control-plane/query|mutation``: HMAC-signed (the runtime's scheme),
``{functionName, args}``; paywall snapshot, deployments, settlements, the global pause."""

from __future__ import annotations

import hashlib
import json
import secrets
import time

from openagents_server.domains.integrations import internal
from openagents_server.domains.l402 import challenge

from tests.l402.conftest import ADMIN, wallet
from tests.l402.test_paywall import FORTUNE, paywall

KEY_ID, SECRET = "dev-only", b"dev-only-runtime-signing-secret-0123456789"
BASE = "/api/internal/lightning-ops/control-plane"


async def call(client, kind: str, function_name: str, args: dict | None = None, *, secret: bytes = SECRET):
    body = json.dumps({"functionName": function_name, "args": args or {}}).encode()
    headers = internal.sign(secret, "POST", f"{BASE}/{kind}", str(int(time.time())), secrets.token_urlsafe(18), body)
    return await client.post(f"{BASE}/{kind}", content=body,
                             headers={**headers, "x-oa-internal-key-id": KEY_ID, "content-type": "application/json"})


async def test_unsigned_or_wrongly_signed_calls_are_refused(client) -> None:
    unsigned = await client.post(f"{BASE}/query", json={"functionName": "lightning/ops:listPaywallControlPlaneState"})
    assert unsigned.status_code == 401 and unsigned.json()["error"]["reason"] == "unknown_key"
    forged = await call(client, "query", "lightning/ops:listPaywallControlPlaneState", secret=b"x" * 40)
    assert forged.status_code == 401 and forged.json()["error"]["reason"] == "invalid_signature"
    unknown = await call(client, "query", "lightning/ops:dropTables")
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unsupported_function"


async def test_lightning_ops_reads_paywalls_and_records_deployments_settlements_and_the_pause(client, person) -> None:
    admin = await person(ADMIN)
    pw = await paywall(client, admin, upstream_url="https://fortune.example.com/v1")
    snapshot = (await call(client, "query", "lightning/ops:listPaywallControlPlaneState", {"statuses": ["active"]})).json()["data"]
    assert snapshot["ok"] and [p["id"] for p in snapshot["paywalls"]] == [pw["id"]]
    assert snapshot["paywalls"][0]["upstream_url"] == "https://fortune.example.com/v1"

    intent = (await call(client, "mutation", "lightning/ops:recordGatewayCompileIntent",
                         {"configHash": "sha256:abc", "paywallIds": [pw["id"]]})).json()["data"]["deployment"]
    assert (intent["status"], intent["source"]) == ("pending", "lightning-ops")
    applied = await call(client, "mutation", "lightning/ops:recordGatewayDeploymentEvent",
                         {"deploymentId": intent["id"], "status": "applied"})
    assert applied.json()["data"]["deployment"]["status"] == "applied"
    listed = (await client.get("/api/l402/deployments", headers=admin.headers)).json()["data"]["deployments"]
    assert listed[0]["id"] == intent["id"]

    # The gateway saw an invoice paid: the settlement is ingested once, only with the right preimage.
    issued = await client.get(FORTUNE)
    found = challenge.parse_challenge(issued.headers["www-authenticate"])
    await wallet(client, admin, fund_sats=100)
    paid = (await client.post("/api/agent-payments/pay", headers=admin.headers, json={"invoice": found.invoice})).json()["data"]
    preimage = paid["receipt"]["preimage"]
    wrong = await call(client, "mutation", "lightning/settlements:ingestSettlement",
                       {"paymentHash": paid["payment_hash"], "preimage": secrets.token_hex(32)})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "preimage_mismatch"
    for _ in range(2):
        ok = await call(client, "mutation", "lightning/settlements:ingestSettlement",
                        {"paymentHash": paid["payment_hash"], "preimage": preimage})
        assert ok.status_code == 200 and ok.json()["data"]["settlement"]["source"] == "control_plane"
    assert (await client.get("/api/l402/settlements", headers=admin.headers)).json()["data"]["total_count"] == 1
    stranger = await call(client, "mutation", "lightning/settlements:ingestSettlement",
                          {"paymentHash": hashlib.sha256(b"x").hexdigest()})
    assert stranger.status_code == 404

    paused = await call(client, "mutation", "lightning/security:setGlobalPause", {"active": True, "reason": "drill"})
    assert paused.json()["data"]["security"]["global_pause"] is True
    blocked = await client.get(FORTUNE)
    assert blocked.status_code == 503 and blocked.json()["error"]["code"] == "paywalls_paused"
    state = (await call(client, "query", "lightning/security:getControlPlaneSecurityState")).json()["data"]
    assert state["security"]["reason"] == "drill"
    await call(client, "mutation", "lightning/security:setGlobalPause", {"active": False})
    assert (await client.get(FORTUNE)).status_code == 402
