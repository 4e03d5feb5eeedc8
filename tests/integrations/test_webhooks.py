"""POST /api/webhooks/resend: signatures checked with the library, each svix-id applied once,
delivery states that never move backwards, failures kept with retry state, raw bodies pruned."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from openagents_server.domains.integrations import webhooks
from standardwebhooks.webhooks import Webhook

from tests.integrations.conftest import notifications
from tests.integrations.fakes import FULL_KEY, OTHER_SECRET, FakeResend

URL = "/api/webhooks/resend"


async def sent_message(people, fake_resend: FakeResend) -> tuple[object, str]:
    """Ada connected, one email sent; the fake fires nothing on its own (the test delivers)."""
    fake_resend.auto_events = ()
    ada = await people()
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    sent = await ada.post("/api/settings/integrations/resend/test", json={})
    return ada, sent.json()["data"]["message_id"]


async def state_of(db: asyncpg.Connection, message_id: str) -> str:
    return await db.fetchval("SELECT state FROM email_deliveries WHERE message_id = $1", message_id)


async def deliveries_on_topic(db: asyncpg.Connection, user_id: str) -> list[str]:
    return [p["state"] for p in await notifications(db, user_id) if p.get("type") == "integrations.delivery"]  # the topic also carries security notices (issue 19)


async def test_the_same_webhook_delivered_three_times_is_applied_once(people, fake_resend, server, db) -> None:
    ada, message_id = await sent_message(people, fake_resend)
    body = fake_resend.event("email.delivered", message_id)
    headers = fake_resend.signed(body, msg_id="msg_same_three_times")
    outcomes = []
    async with httpx.AsyncClient(base_url=server.url) as http:
        for _ in range(3):
            response = await http.post(URL, content=body, headers=headers)
            assert response.status_code == 200, response.text
            outcomes.append(response.json()["data"]["outcome"])
    assert outcomes == ["applied", "duplicate", "duplicate"]
    assert await deliveries_on_topic(db, ada.user_id) == ["sent", "delivered"]
    assert await db.fetchval("SELECT attempts FROM webhook_events WHERE svix_id = 'msg_same_three_times'") == 1


async def test_out_of_order_events_never_move_a_delivery_backwards(people, fake_resend, server, db) -> None:
    ada, message_id = await sent_message(people, fake_resend)
    fake_resend.webhook_url = server.url + URL
    assert fake_resend.fire("email.opened", message_id).json()["data"]["outcome"] == "applied"
    # delivered and sent arrive late: kept for audit, not applied
    assert fake_resend.fire("email.delivered", message_id).json()["data"]["outcome"] == "ignored"
    assert fake_resend.fire("email.sent", message_id).json()["data"]["outcome"] == "ignored"
    assert await state_of(db, message_id) == "opened"
    assert fake_resend.fire("email.complained", message_id).json()["data"]["outcome"] == "applied"
    assert fake_resend.fire("email.opened", message_id).json()["data"]["outcome"] == "ignored"
    assert await state_of(db, message_id) == "complained"
    assert await deliveries_on_topic(db, ada.user_id) == ["sent", "opened", "complained"]
    assert await db.fetchval("SELECT count(*) FROM webhook_events WHERE message_id = $1", message_id) == 5


async def test_a_wrong_secret_a_stale_timestamp_and_a_modified_body_are_refused(people, fake_resend, server, db) -> None:
    ada, message_id = await sent_message(people, fake_resend)
    body = fake_resend.event("email.delivered", message_id)
    wrong_secret = fake_resend.signed(body, webhook=Webhook("whsec_" + "d3JvbmctcmVzZW5kLXNpZ25pbmcta2V5LTAwMDAw"))
    stale = fake_resend.signed(body, timestamp=datetime.now(UTC) - timedelta(minutes=6))
    modified = fake_resend.signed(body)
    async with httpx.AsyncClient(base_url=server.url) as http:
        r1 = await http.post(URL, content=body, headers=wrong_secret)
        r2 = await http.post(URL, content=body, headers=stale)
        r3 = await http.post(URL, content=body.replace(b"email.delivered", b"email.bounced"), headers=modified)
        r4 = await http.post(URL, content=body, headers={"content-type": "application/json"})
    assert (r1.status_code, r1.json()["error"]["code"]) == (401, "invalid_signature")
    assert (r2.status_code, r2.json()["error"]["code"]) == (400, "stale_timestamp")
    assert (r3.status_code, r3.json()["error"]["code"]) == (401, "invalid_signature")
    assert (r4.status_code, r4.json()["error"]["code"]) == (400, "missing_signature_headers")
    assert await state_of(db, message_id) == "sent"
    assert await db.fetchval("SELECT count(*) FROM webhook_events") == 0
    assert await deliveries_on_topic(db, ada.user_id) == ["sent"]


async def test_either_signing_secret_verifies_during_a_rotation(people, fake_resend, server, db) -> None:
    _, message_id = await sent_message(people, fake_resend)
    body = fake_resend.event("email.delivered", message_id)
    headers = fake_resend.signed(body, webhook=Webhook(OTHER_SECRET))
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post(URL, content=body, headers=headers)
    assert response.status_code == 200 and response.json()["data"]["outcome"] == "applied"
    assert await state_of(db, message_id) == "delivered"


async def test_an_unusable_payload_is_recorded_as_failed_with_its_retry_state(server, fake_resend, db) -> None:
    body = b'{"type": "email.delivered", "data": {}}'
    headers = fake_resend.signed(body, msg_id="msg_broken")
    async with httpx.AsyncClient(base_url=server.url) as http:
        first = await http.post(URL, content=body, headers=headers)
        second = await http.post(URL, content=body, headers=headers)
    assert first.status_code == 422 and first.json()["error"]["code"] == "unprocessable_event"
    assert second.status_code == 422
    row = await db.fetchrow("SELECT status, attempts, last_error, next_retry_at, raw_body FROM webhook_events "
                            "WHERE svix_id = 'msg_broken'")
    assert row["status"] == "failed" and row["attempts"] == 2 and "email_id" in row["last_error"]
    assert row["next_retry_at"] > datetime.now(UTC) and bytes(row["raw_body"]) == body


async def test_an_event_for_an_unknown_message_is_kept_but_applies_nothing(server, fake_resend, db) -> None:
    fake_resend.webhook_url = server.url + URL
    response = fake_resend.fire("email.delivered", "4ef9a417-02e9-4d39-ad75-9611e0fcc33c")
    assert response.status_code == 200 and response.json()["data"]["outcome"] == "ignored"
    assert await db.fetchval("SELECT status FROM webhook_events") == "ignored"


async def test_raw_bodies_are_pruned_after_the_retention(server, fake_resend, db) -> None:
    fake_resend.webhook_url = server.url + URL
    fake_resend.fire("email.delivered", "old-message")
    fake_resend.fire("email.delivered", "new-message")
    await db.execute("UPDATE webhook_events SET received_at = now() - interval '31 days' WHERE message_id = 'old-message'")
    assert await webhooks.prune(db, 30) == 1
    rows = {r["message_id"]: r["raw_body"] for r in await db.fetch("SELECT message_id, raw_body FROM webhook_events")}
    assert rows["old-message"] is None and rows["new-message"] is not None


async def test_copies_of_one_webhook_arriving_at_once_are_applied_once(people, fake_resend, server, db) -> None:
    ada, message_id = await sent_message(people, fake_resend)
    body = fake_resend.event("email.delivered", message_id)
    headers = fake_resend.signed(body, msg_id="msg_concurrent")
    async with httpx.AsyncClient(base_url=server.url, limits=httpx.Limits(max_connections=20)) as http:
        responses = await asyncio.gather(*(http.post(URL, content=body, headers=headers) for _ in range(12)))
    outcomes = sorted(r.json()["data"]["outcome"] for r in responses)
    assert all(r.status_code == 200 for r in responses)
    assert outcomes == ["applied"] + ["duplicate"] * 11
    assert await deliveries_on_topic(db, ada.user_id) == ["sent", "delivered"]


async def test_an_apply_that_fails_is_rolled_back_recorded_for_retry_and_applied_on_the_retry(
        database_url: str, db: asyncpg.Connection, monkeypatch) -> None:
    from openagents_server.errors import RateLimited

    await db.execute("INSERT INTO users (id, provider, provider_user_id, email) VALUES ('usr_1', 'local', 'l1', 'a@example.com')")
    await db.execute("INSERT INTO email_deliveries (message_id, user_id, to_address, subject, state, state_rank) "
                     "VALUES ('em_1', 'usr_1', 'b@example.com', 's', 'sent', 1)")
    body = FakeResend().event("email.delivered", "em_1")
    # The person's notifications topic is over its publish rate for this second (khala_append's window).
    await db.execute("INSERT INTO khala_topics (topic, topic_class, rate_window_start, rate_window_count) "
                     "VALUES ('user:usr_1:notifications', 'notifications', now() + interval '1 hour', 100000)")

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        try:
            await webhooks.ingest(pool, "msg_retry", body)
            raise AssertionError("the failed apply was not refused")
        except RateLimited:
            pass
        failed = await db.fetchrow("SELECT status, attempts, last_error, next_retry_at FROM webhook_events")
        assert failed["status"] == "failed" and failed["last_error"] == "khala_publish_rate_limited"
        assert failed["next_retry_at"] > datetime.now(UTC)
        assert await db.fetchval("SELECT state FROM email_deliveries") == "sent"  # rolled back
        assert await db.fetchval("SELECT count(*) FROM khala_events") == 0

        await db.execute("UPDATE khala_topics SET rate_window_start = NULL, rate_window_count = 0")
        assert await webhooks.ingest(pool, "msg_retry", body) == "applied"
        assert await webhooks.ingest(pool, "msg_retry", body) == "duplicate"
        done = await db.fetchrow("SELECT status, attempts, last_error FROM webhook_events")
        assert (done["status"], done["attempts"], done["last_error"]) == ("applied", 2, None)
        assert await db.fetchval("SELECT state FROM email_deliveries") == "delivered"
    finally:
        await pool.close()


async def test_the_prune_command_drops_old_bodies(server, fake_resend, db, database_url: str) -> None:
    import os
    import subprocess
    from pathlib import Path

    fake_resend.webhook_url = server.url + URL
    fake_resend.fire("email.delivered", "old-message")
    await db.execute("UPDATE webhook_events SET received_at = now() - interval '8 days'")
    env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATABASE_URL": database_url,
           "OPENAGENTS_INTEGRATIONS_WEBHOOK_RETENTION_DAYS": "7"}
    cli = str(Path(__file__).resolve().parents[2] / ".venv/bin/openagents")
    done = await asyncio.to_thread(subprocess.run, [cli, "integrations", "prune-webhooks"], env=env,
                                   capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "1 raw webhook bod(ies) pruned" in done.stderr, done.stderr
    assert await db.fetchval("SELECT raw_body FROM webhook_events") is None
