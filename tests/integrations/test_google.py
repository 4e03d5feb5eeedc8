"""Google: OAuth 2.0 authorization code with state and PKCE against a fake Google; refusals say why
on a page and store nothing; disconnect revokes at Google."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx

from tests.integrations.conftest import Person, audit_events
from tests.integrations.fakes import FakeGoogle


async def authorize(ada: Person) -> str:
    """Ada clicks "Connect Google"; the fake Google consents at once. Returns the callback path+query."""
    redirect = await ada.get("/settings/integrations/google/redirect")
    assert redirect.status_code == 302, redirect.text
    query = parse_qs(urlsplit(redirect.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"][0] and query["code_challenge"][0]
    async with httpx.AsyncClient() as browser:
        consent = await browser.get(redirect.headers["location"])
    assert consent.status_code == 302
    target = urlsplit(consent.headers["location"])
    assert target.path == "/settings/integrations/google/callback"
    return f"{target.path}?{target.query}"


async def test_connect_and_disconnect_google(people, fake_google: FakeGoogle, db: asyncpg.Connection) -> None:
    ada = await people()
    callback = await ada.get(await authorize(ada))
    assert callback.status_code == 303, callback.text
    assert callback.headers["location"] == "/settings/integrations?notice=google_connected"
    # The code was exchanged with the PKCE verifier and the client's credentials.
    assert fake_google.token_requests[-1]["code_verifier"]
    google = next(i for i in (await ada.get("/api/settings/integrations")).json()["data"]["integrations"]
                  if i["provider"] == "google")
    assert google["connected"] and google["account_label"] == "ada.google@example.com"
    refresh_token = next(iter(fake_google.refresh))
    assert google["secret_hint"] == "…" + refresh_token[-4:] and "gmail.send" in " ".join(google["scopes"])

    gone = await ada.delete("/api/settings/integrations/google")
    assert gone.status_code == 200 and gone.json()["data"]["revoked_at_provider"] is True
    assert fake_google.revoked == [refresh_token]
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0
    names = [r["event_name"] for r in await audit_events(db, "integrations.google.")]
    assert names == ["integrations.google.connected", "integrations.google.disconnected"]


async def test_a_reused_state_is_refused_with_a_page_that_says_why(people, db: asyncpg.Connection) -> None:
    ada = await people()
    callback = await authorize(ada)
    assert (await ada.get(callback)).status_code == 303
    await ada.delete("/api/settings/integrations/google")
    again = await ada.get(callback)
    assert again.status_code == 400 and again.headers["content-type"].startswith("text/html")
    assert 'data-reason="state_reused"' in again.text and "already used" in again.text
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0


async def test_an_unknown_state_is_refused_and_nothing_is_stored(people, db: asyncpg.Connection) -> None:
    ada = await people()
    callback = await authorize(ada)
    forged = callback.replace("state=", "state=x")
    page = await ada.get(forged)
    assert page.status_code == 400 and 'data-reason="unknown_state"' in page.text
    missing = await ada.get("/settings/integrations/google/callback?code=abc")
    assert missing.status_code == 400 and 'data-reason="missing_state"' in missing.text
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0


async def test_a_wrong_pkce_verifier_is_refused_by_google_and_nothing_is_stored(people, db: asyncpg.Connection) -> None:
    ada = await people()
    callback = await authorize(ada)
    await db.execute("UPDATE integration_oauth_states SET code_verifier = repeat('x', 64)")
    page = await ada.get(callback)
    assert page.status_code == 400 and 'data-reason="token_exchange_refused"' in page.text
    assert "Invalid code verifier" in page.text
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0
    refused = await audit_events(db, "integrations.google.connect_refused")
    assert refused[-1]["outcome"] == "denied"


async def test_a_provider_error_is_shown_on_the_page(people, fake_google: FakeGoogle, db: asyncpg.Connection) -> None:
    fake_google.deny = "access_denied"
    ada = await people()
    page = await ada.get(await authorize(ada))
    assert page.status_code == 400 and 'data-reason="provider_error"' in page.text and "access_denied" in page.text
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0


async def test_another_persons_state_is_refused(people, db: asyncpg.Connection) -> None:
    ada, bob = await people("ada@example.com"), await people("bob@example.com")
    callback = await authorize(ada)
    page = await bob.get(callback)
    assert page.status_code == 400 and 'data-reason="state_other_user"' in page.text
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0


async def test_the_json_twin_returns_the_authorize_url(people) -> None:
    ada = await people()
    response = await ada.post("/api/settings/integrations/google/authorize")
    assert response.status_code == 200
    assert "code_challenge=" in response.json()["data"]["authorize_url"]


async def test_a_callback_after_the_session_cookie_expired_answers_a_page_not_json(people, db: asyncpg.Connection) -> None:
    ada = await people()
    callback = await authorize(ada)
    session_cookie = next(name for name in ada.cookies if name.endswith("oa_session"))
    # the browser dropped the expired session cookie; what is left (CSRF, refresh) still travels
    left = "; ".join(f"{k}={v}" for k, v in ada.cookies.items() if k != session_cookie)
    page = await ada.http.get(callback, headers={"cookie": left, "accept": "text/html"})
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html"), page.text
    assert 'data-reason="session_expired"' in page.text and "Sign in again" in page.text
    assert 'href="/login?next=/settings/integrations"' in page.text
    garbage = await ada.http.get(callback, headers={"cookie": f"{session_cookie}=oa_at_expired"})
    assert garbage.status_code == 401 and 'data-reason="session_expired"' in garbage.text
    assert await db.fetchval("SELECT count(*) FROM integrations") == 0
    # signed in again, the same person connects with a fresh redirect
    assert (await ada.get(await authorize(ada))).status_code == 303


async def test_the_redirect_without_a_session_answers_a_page(people) -> None:
    ada = await people()
    page = await ada.http.get("/settings/integrations/google/redirect")
    assert page.status_code == 401 and 'data-reason="session_expired"' in page.text
