"""Selling: admin-only, audited paywalls; the gate answers 402 with an invoice and a macaroon, lets a
paid credential through (LSAT too), records the settlement once, and refuses forged, expired,
replayed-elsewhere or tampered credentials."""

from __future__ import annotations

import base64
import hashlib
import os
import time

from openagents_server.domains.l402 import challenge, macaroons
from openagents_server.domains.payments.kit import macaroon_secret

from tests.l402.conftest import ADMIN, make_settings, wallet

FORTUNE = "/api/demo/fortune"


async def paywall(client, admin, **extra) -> dict:
    created = await client.post("/api/l402/paywalls", headers=admin.headers,
                                json={"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 50, **extra})
    assert created.status_code == 201, created.text
    return created.json()["data"]


async def pay_challenge(client, who, response) -> tuple[str, str]:
    assert response.status_code == 402, response.text
    found = challenge.parse_challenge(response.headers["www-authenticate"])
    paid = await client.post("/api/agent-payments/pay", headers=who.headers, json={"invoice": found.invoice})
    assert paid.status_code == 200, paid.text
    return found.macaroon, paid.json()["data"]["receipt"]["preimage"]


async def test_paywall_admin_routes_refuse_non_admins_and_changes_are_audited(client, person, db) -> None:
    admin, ada = await person(ADMIN), await person("ada@example.com")
    body = {"name": "Fortune", "route_prefix": "/api/demo", "price_sats": 50}
    assert (await client.post("/api/l402/paywalls", headers=ada.headers, json=body)).json()["error"]["code"] == "admin_required"
    created = await paywall(client, admin)
    assert (created["service"], created["price_msat"], created["credential_ttl_seconds"]) == ("fortune", 50_000, 3600)
    pid = created["id"]
    assert (await client.patch(f"/api/l402/paywalls/{pid}", headers=ada.headers, json={"enabled": False})).status_code == 403
    assert (await client.delete(f"/api/l402/paywalls/{pid}", headers=ada.headers)).status_code == 403
    for path in ("/api/l402/settlements", "/api/l402/deployments"):
        assert (await client.get(path, headers=ada.headers)).status_code == 403
    toggled = await client.patch(f"/api/l402/paywalls/{pid}", headers=admin.headers, json={"enabled": False, "price_sats": 60})
    assert (toggled.json()["data"]["enabled"], toggled.json()["data"]["price_sats"]) == (False, 60)
    assert (await client.get("/api/l402/paywalls", headers=ada.headers)).json()["data"]["paywalls"][0]["id"] == pid
    reserved = await client.post("/api/l402/paywalls", headers=admin.headers,
                                 json={"name": "x", "route_prefix": "/api/auth", "price_sats": 1})
    assert reserved.status_code == 422 and reserved.json()["error"]["code"] == "reserved_route_prefix"
    assert (await client.delete(f"/api/l402/paywalls/{pid}", headers=admin.headers)).status_code == 200
    events = [r["event_name"] for r in await db.fetch("SELECT event_name FROM audit_events WHERE event_name LIKE 'l402.%' ORDER BY id")]
    assert events == ["l402.paywall.created", "l402.paywall.updated", "l402.paywall.deleted"]
    deployments = (await client.get("/api/l402/deployments", headers=admin.headers)).json()["data"]["deployments"]
    assert len(deployments) == 3 and deployments[0]["paywall_ids"] == [] and deployments[2]["paywall_ids"] == [pid]


async def test_a_paywalled_route_answers_402_and_a_paid_credential_passes(client, person, db) -> None:
    admin = await person(ADMIN)
    assert (await client.get(FORTUNE)).status_code == 200  # free before the paywall
    pw = await paywall(client, admin)
    await wallet(client, admin, fund_sats=1000)
    first = await client.get(FORTUNE)
    assert first.status_code == 402 and first.json()["error"]["code"] == "payment_required"
    assert first.json()["error"]["amount_msat"] == 50_000
    mac, preimage = await pay_challenge(client, admin, first)
    header = challenge.credential_header(mac, preimage)
    for _ in range(3):  # reused until it expires; the settlement is recorded once
        passed = await client.get(FORTUNE, headers={"authorization": header})
        assert passed.status_code == 200 and "fortune" in passed.json()["data"]
    assert (await client.get(FORTUNE, headers={"authorization": "LSAT " + header[5:]})).status_code == 200
    settlements = (await client.get("/api/l402/settlements", headers=admin.headers)).json()["data"]
    assert settlements["total_count"] == 1 and settlements["settlements"][0]["paywall_id"] == pw["id"]
    payment = (await client.get("/api/l402/transactions?kind=payment", headers=admin.headers)).json()["data"]["transactions"][0]
    assert payment["payment_hash"] == settlements["settlements"][0]["payment_hash"]
    # The paywall's owner hears about it live (Khala), in the settlement's own transaction.
    kinds = await db.fetch("SELECT kind FROM khala_events WHERE topic = $1 ORDER BY seq", f"user:{admin.user_id}:notifications")
    assert "l402.settlement.recorded" in [k["kind"] for k in kinds]


async def test_forged_expired_and_misdirected_credentials_never_get_access(client, person, database_url) -> None:
    admin = await person(ADMIN)
    await paywall(client, admin, credential_ttl_seconds=60)
    await wallet(client, admin, fund_sats=1000)
    mac, preimage = await pay_challenge(client, admin, await client.get(FORTUNE))
    secret = macaroon_secret(make_settings(database_url))
    payment_hash = hashlib.sha256(bytes.fromhex(preimage)).digest()

    async def status(header: str) -> tuple[int, str | None]:
        response = await client.get(FORTUNE, headers={"authorization": header})
        return response.status_code, response.json()["error"].get("reason") if response.status_code != 200 else None

    assert await status(challenge.credential_header(mac, os.urandom(32))) == (401, "wrong_preimage")
    raw = bytearray(base64.b64decode(mac))
    raw[-3] ^= 0x10
    assert await status(challenge.credential_header(base64.b64encode(bytes(raw)).decode(), preimage)) == (401, "bad_signature")
    other = macaroons.mint(secret, payment_hash=payment_hash, service="weather", valid_until=int(time.time()) + 60)
    assert await status(challenge.credential_header(other.macaroon, preimage)) == (401, "wrong_service")
    expired = macaroons.mint(secret, payment_hash=payment_hash, service="fortune", valid_until=int(time.time()) - 1)
    assert await status(challenge.credential_header(expired.macaroon, preimage)) == (402, "expired")
    # Correctly signed and paid-looking, but never issued here (a replay from elsewhere or a self-made one).
    own = os.urandom(32)
    unissued = macaroons.mint(secret, payment_hash=hashlib.sha256(own).digest(), service="fortune",
                              valid_until=int(time.time()) + 60)
    assert await status(challenge.credential_header(unissued.macaroon, own)) == (401, "unknown_token")
    assert await status("L402 garbage") == (401, "malformed_credential")
    assert await status(challenge.credential_header(mac, preimage)) == (200, None)


async def test_the_global_pause_and_a_disabled_paywall(client, person) -> None:
    admin = await person(ADMIN)
    pw = await paywall(client, admin)
    assert (await client.get(FORTUNE)).status_code == 402
    await client.patch(f"/api/l402/paywalls/{pw['id']}", headers=admin.headers, json={"enabled": False})
    assert (await client.get(FORTUNE)).status_code == 200
