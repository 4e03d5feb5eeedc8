"""Resend: connect with a key checked against Resend, send a test email through the SDK, see its
delivery arrive (signed webhook → delivery state → the person's Khala topic), disconnect."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.integrations.conftest import audit_events, notifications
from tests.integrations.fakes import FULL_KEY, SENDING_KEY, FakeResend


async def wait_for_state(person, message_id: str, state: str, timeout: float = 10.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        overview = (await person.get("/api/settings/integrations")).json()["data"]
        found = [d for d in overview["deliveries"] if d["message_id"] == message_id]
        if found and found[0]["state"] == state:
            return found[0]
        assert asyncio.get_running_loop().time() < deadline, f"delivery never reached {state}: {found}"
        await asyncio.sleep(0.1)


async def wait_for_delivery(fake: FakeResend, event: tuple[str, int], timeout: float = 10.0) -> None:
    """The fake's webhook thread records a delivery only once our answer reached it, which may be just
    after the state it changed is readable: wait for it rather than race it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while event not in fake.deliveries:
        assert asyncio.get_running_loop().time() < deadline, f"{event} never delivered: {fake.deliveries}"
        await asyncio.sleep(0.05)


async def test_connect_then_test_email_then_its_signed_webhook_shows_delivered_live(
        people, fake_resend: FakeResend, db: asyncpg.Connection) -> None:
    ada = await people()
    connected = await ada.connect_resend(FULL_KEY)
    assert connected.status_code == 201, connected.text
    body = connected.json()["data"]
    assert body["secret_hint"] == "re_…abcd" and FULL_KEY not in connected.text
    assert body["account_label"].startswith("full access") and "example.com" in body["account_label"]

    sent = await ada.post("/api/settings/integrations/resend/test", json={"to": "grace@example.com"})
    assert sent.status_code == 200, sent.text
    message_id = sent.json()["data"]["message_id"]
    # The email went out through the SDK, with the person's key, to the fake Resend API.
    assert fake_resend.sent[-1]["id"] == message_id and fake_resend.sent[-1]["to"] == ["grace@example.com"]

    delivery = await wait_for_state(ada, message_id, "delivered")
    assert delivery["to"] == "grace@example.com"
    await wait_for_delivery(fake_resend, ("email.delivered", 200))
    # Live: each change was appended to the owner's Khala topic, which the settings page follows.
    states = [p["state"] for p in await notifications(db, ada.user_id)
              if p.get("type") == "integrations.delivery"]  # the topic also carries security notices (issue 19)
    assert states == ["sent", "delivered"]


async def test_an_invalid_key_is_refused_by_resend_and_nothing_is_stored(people, db: asyncpg.Connection) -> None:
    ada = await people()
    refused = await ada.connect_resend("re_not_a_real_key_0000")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_api_key" and "api_key" in refused.json()["errors"]
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0
    assert [r["outcome"] for r in await audit_events(db, "integrations.resend.connect_refused")] == ["failure"]


async def test_a_malformed_key_is_a_422_without_asking_resend(people, fake_resend: FakeResend) -> None:
    ada = await people()
    refused = await ada.connect_resend("sk_live_whatever")
    assert refused.status_code == 422 and "api_key" in refused.json()["errors"]
    assert fake_resend.sent == []


async def test_a_sending_only_key_connects_with_its_access_named(people) -> None:
    ada = await people()
    connected = await ada.connect_resend(SENDING_KEY)
    assert connected.status_code == 201, connected.text
    assert connected.json()["data"]["account_label"] == "sending access"


async def test_disconnect_destroys_the_secret_and_is_audited(people, db: asyncpg.Connection) -> None:
    ada = await people()
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    gone = await ada.delete("/api/settings/integrations/resend")
    assert gone.status_code == 200 and gone.json()["data"]["disconnected"] is True
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0
    names = [r["event_name"] for r in await audit_events(db, "integrations.resend.")]
    assert names == ["integrations.resend.connected", "integrations.resend.disconnected"]
    again = await ada.delete("/api/settings/integrations/resend")
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_connected"
    overview = (await ada.get("/api/settings/integrations")).json()["data"]
    assert overview["integrations"][0] == {**overview["integrations"][0], "provider": "resend", "connected": False}


async def test_a_test_email_without_a_connected_account_is_a_conflict(people) -> None:
    ada = await people()
    refused = await ada.post("/api/settings/integrations/resend/test", json={})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_connected"


async def test_the_web_form_connects_and_redirects_back_with_a_notice(people, db: asyncpg.Connection) -> None:
    ada = await people()
    form = {"api_key": FULL_KEY, "csrf_token": ada.cookies["oa_csrf"]}
    response = await ada.http.post("/settings/integrations/resend", data=form, headers=ada.cookie_only)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings/integrations?notice=resend_connected"
    assert await db.fetchval("SELECT account_label FROM integrations WHERE user_id = $1", ada.user_id)

    test = await ada.http.post("/settings/integrations/resend/test", data={"csrf_token": ada.cookies["oa_csrf"]},
                               headers=ada.cookie_only)
    assert test.status_code == 303 and "notice=test_email_sent" in test.headers["location"]

    bad = await ada.http.post("/settings/integrations/resend", data={"api_key": "nope", "csrf_token": ada.cookies["oa_csrf"]},
                              headers=ada.cookie_only)
    assert bad.status_code == 303 and bad.headers["location"] == "/settings/integrations?error=invalid_api_key"

    removed = await ada.http.delete("/settings/integrations/resend", headers=ada.headers)
    assert removed.status_code == 200 and removed.json()["data"]["disconnected"] is True


async def test_the_web_form_without_its_csrf_token_is_refused(people, db: asyncpg.Connection) -> None:
    ada = await people()
    response = await ada.http.post("/settings/integrations/resend", data={"api_key": FULL_KEY}, headers=ada.cookie_only)
    assert response.status_code == 403 and response.json()["error"]["reason"] == "csrf_failed"
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0


async def test_a_person_sees_and_changes_only_their_own_integrations(people, db: asyncpg.Connection) -> None:
    ada, bob = await people("ada@example.com"), await people("bob@example.com")
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    sent = await ada.post("/api/settings/integrations/resend/test", json={})
    assert sent.status_code == 200
    bobs = (await bob.get("/api/settings/integrations")).json()["data"]
    assert not any(i["connected"] for i in bobs["integrations"]) and bobs["deliveries"] == []
    assert (await bob.delete("/api/settings/integrations/resend")).status_code == 404
    assert (await bob.post("/api/settings/integrations/resend/test", json={})).status_code == 409
    assert await db.fetchval("SELECT count(*) FROM integrations WHERE user_id = $1", ada.user_id) == 1
    unauthenticated = await ada.http.get("/api/settings/integrations")
    assert unauthenticated.status_code == 401


async def test_the_delivered_state_arrives_live_on_the_persons_khala_socket(people, fake_resend: FakeResend, server) -> None:
    from openagents_proto.sync import domain as d

    from tests.khala.support import KhalaClient, token

    ada = await people()
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    topic = f"user:{ada.user_id}:notifications"
    client = await KhalaClient.connect(server.ws_url)
    try:
        await client.hello(token(user=ada.user_id, scopes=("notifications.read",)))
        await client.subscribe([topic])
        sent = await ada.post("/api/settings/integrations/resend/test", json={})
        message_id = sent.json()["data"]["message_id"]
        states: list[str] = []
        deadline = asyncio.get_running_loop().time() + 10
        while "delivered" not in states:
            message = await client.recv(max(0.01, deadline - asyncio.get_running_loop().time()))
            if isinstance(message, d.UpdateBatch):
                states += [u.body()["state"] for u in message.updates
                           if u.body().get("type") == "integrations.delivery" and u.body()["message_id"] == message_id]
        assert states == ["sent", "delivered"]
    finally:
        await client.close()


async def test_test_emails_are_rate_limited_per_person(people) -> None:
    ada, bob = await people("ada@example.com"), await people("bob@example.com")
    codes = [(await ada.post("/api/settings/integrations/resend/test", json={})).status_code for _ in range(11)]
    assert codes == [409] * 10 + [429]
    assert (await bob.post("/api/settings/integrations/resend/test", json={})).status_code == 409
