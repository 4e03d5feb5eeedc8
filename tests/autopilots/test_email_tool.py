"""``email.send`` goes through the person's connected Resend account (the integrations service),
against a local server speaking Resend's API; the run's tool result carries the message id.

A real granian server (``live_server``): the integrations kit is provided once per process
(``integrations/routes/_deps.py``), so an in-process app here would get another test's kit."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from tests.autopilots.conftest import Person, wait_finished
from tests.identity.conftest import sign_in
from tests.integrations.fakes import FULL_KEY, FakeResend


@pytest.fixture
def fake_resend() -> Iterator[FakeResend]:
    fake = FakeResend().start()
    fake.auto_events = ()  # no webhooks back: this test is about sending
    yield fake  # type: ignore[misc]
    fake.stop()


async def test_email_send_uses_the_connected_resend_account(fake_resend: FakeResend, live_server,
                                                            db: asyncpg.Connection) -> None:
    server = live_server(env={"OPENAGENTS_RESEND_API_URL": fake_resend.url})
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        ada = Person(await sign_in(client, db, "ada@example.com"), client)
        connected = await ada.post("/api/settings/integrations/resend", {"api_key": FULL_KEY})
        assert connected.status_code in (200, 201), connected.text
        autopilot = await ada.autopilot(tool_policy={"email.send": "allow"})
        run = (await ada.post(f"/api/autopilots/{autopilot['id']}/stream",
                              {"text": "email grace@example.com The build is green."})).json()["data"]
        events = (await wait_finished(db, run["run_id"]))["events"]
        result = next(e for e in events if e["type"] == "tool.result")
        assert result["tool"] == "email.send" and result["status"] == "succeeded", result
        assert result["result"]["to"] == "grace@example.com" and result["result"]["message_id"]
    sent = fake_resend.sent[-1]
    assert sent["to"] in (["grace@example.com"], "grace@example.com") and sent["text"] == "The build is green."
