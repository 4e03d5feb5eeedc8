"""POST /api/internal/runtime/integrations/secrets/fetch: HMAC-signed, fresh, one-use nonce, scoped to
the run's owner and the integrations its policy allows; every fetch audited."""

from __future__ import annotations

import json
import secrets
import time

import asyncpg
import httpx
import pytest
from openagents_server.domains.integrations import internal

from tests.integrations.conftest import audit_events
from tests.integrations.fakes import FULL_KEY, FakeGoogle

PATH = "/api/internal/runtime/integrations/secrets/fetch"
KEY_ID, SECRET = "dev-only", b"dev-only-runtime-signing-secret-0123456789"
async def add_runs(db: asyncpg.Connection, user_id: str, *runs: tuple[str, str, str]) -> None:
    """Runs of the runtime (issue 20) owned by ``user_id``: ``(run_id, status, policy JSON)``, on one worker."""
    worker = f"wkr_{user_id[-8:]}"
    await db.execute("INSERT INTO runtime_workers (id, owner_user_id, status, adapter) VALUES ($1, $2, 'running', 'demo') "
                     "ON CONFLICT DO NOTHING", worker, user_id)
    for run_id, status, policy in runs:
        await db.execute("INSERT INTO runtime_runs (id, owner_user_id, worker_id, request_id, status, policy) "
                         "VALUES ($1, $2, $3, $1, $4, $5::jsonb)", run_id, user_id, worker, status, policy)


def signed(body: bytes, *, secret: bytes = SECRET, key_id: str = KEY_ID, timestamp: int | None = None,
           nonce: str | None = None) -> dict[str, str]:
    headers = internal.sign(secret, "POST", PATH, str(timestamp or int(time.time())),
                            nonce or secrets.token_urlsafe(18), body)
    return {**headers, "x-oa-internal-key-id": key_id, "content-type": "application/json"}


def request(run_id: str, user_id: str, provider: str = "resend") -> bytes:
    return json.dumps({"run_id": run_id, "user_id": user_id, "provider": provider}).encode()


@pytest.fixture
async def setup(people, db: asyncpg.Connection):
    ada, bob = await people("ada@example.com"), await people("bob@example.com")
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    await add_runs(db, ada.user_id, ("run_ada", "running", '{"integrations": ["resend"]}'),
                   ("run_ada_nomail", "running", '{"integrations": []}'),
                   ("run_ada_done", "succeeded", '{"integrations": ["resend"]}'))
    await add_runs(db, bob.user_id, ("run_bob", "running", '{"integrations": ["resend"]}'))
    return ada, bob


async def post(server, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.post(PATH, content=body, headers=headers)


async def test_a_signed_fetch_for_an_allowed_run_returns_the_secret_and_is_audited(server, setup, db) -> None:
    ada, _ = setup
    body = request("run_ada", ada.user_id)
    response = await post(server, body, signed(body))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["secret"] == {"api_key": FULL_KEY} and data["run_id"] == "run_ada"
    assert response.headers["cache-control"] == "no-store"
    fetched = await audit_events(db, "integrations.secret.fetched")
    assert len(fetched) == 1 and fetched[0]["user_id"] == ada.user_id
    assert FULL_KEY not in json.dumps([dict(r) for r in await db.fetch("SELECT attributes FROM audit_events")], default=str)
    assert await db.fetchval("SELECT last_used_at IS NOT NULL FROM integrations")


async def test_a_wrong_signature_a_stale_timestamp_and_a_replayed_nonce_are_refused(server, setup, db) -> None:
    ada, _ = setup
    body = request("run_ada", ada.user_id)
    wrong = await post(server, body, signed(body, secret=b"not-the-runtime-key-0000000000000000"))
    stale = await post(server, body, signed(body, timestamp=int(time.time()) - 61))
    unknown = await post(server, body, signed(body, key_id="other"))
    tampered_headers = signed(body)
    tampered = await post(server, request("run_ada", ada.user_id, "google"), tampered_headers)
    reasons = [r.json()["error"]["reason"] for r in (wrong, stale, unknown, tampered)]
    assert [r.status_code for r in (wrong, stale, unknown, tampered)] == [401] * 4
    assert reasons == ["invalid_signature", "stale_timestamp", "unknown_key", "body_hash_mismatch"]

    replay = signed(body, nonce="replayed-nonce-0123456789")
    assert (await post(server, body, replay)).status_code == 200
    again = await post(server, body, replay)
    assert again.status_code == 401 and again.json()["error"]["reason"] == "nonce_replayed"
    assert len(await audit_events(db, "integrations.secret.fetched")) == 1


async def test_another_persons_run_is_refused(server, setup, db) -> None:
    ada, bob = setup
    body = request("run_bob", ada.user_id)  # Ada's secret asked for under Bob's run
    response = await post(server, body, signed(body))
    assert response.status_code == 403 and response.json()["error"]["code"] == "run_owner_mismatch"
    body = request("run_ada", bob.user_id)  # Bob (who has no key) naming Ada's run
    assert (await post(server, body, signed(body))).status_code == 403
    refused = await audit_events(db, "integrations.secret.fetch_refused")
    assert [r["outcome"] for r in refused] == ["denied", "denied"]


async def test_an_integration_the_policy_does_not_allow_and_a_finished_run_are_refused(server, setup) -> None:
    ada, _ = setup
    body = request("run_ada_nomail", ada.user_id)
    response = await post(server, body, signed(body))
    assert response.status_code == 403 and response.json()["error"]["code"] == "integration_not_allowed"
    body = request("run_ada_done", ada.user_id)
    response = await post(server, body, signed(body))
    assert response.status_code == 403 and response.json()["error"]["code"] == "run_finished"
    body = request("run_nobody", ada.user_id)
    assert (await post(server, body, signed(body))).status_code == 404


async def test_an_unknown_run_is_refused(server, people, db) -> None:
    ada = await people()
    body = request("run_ada", ada.user_id)
    response = await post(server, body, signed(body))
    assert response.status_code == 404 and response.json()["error"]["code"] == "run_not_found"


async def test_google_access_tokens_are_refreshed_before_expiry_and_the_refresh_token_never_leaves(
        server, people, db, fake_google: FakeGoogle) -> None:
    from tests.integrations.test_google import authorize

    fake_google.expires_in = 60  # inside the refresh margin: the next fetch must refresh
    ada = await people()
    assert (await ada.get(await authorize(ada))).status_code == 303
    await add_runs(db, ada.user_id, ("run_g", "running", '{"integrations": ["google"]}'))
    first_access = next(iter(fake_google.access))
    body = request("run_g", ada.user_id, "google")
    response = await post(server, body, signed(body))
    assert response.status_code == 200, response.text
    secret = response.json()["data"]["secret"]
    assert set(secret) == {"access_token", "expires_at"} and secret["access_token"] != first_access
    assert fake_google.token_requests[-1]["grant_type"] == "refresh_token"
    assert secret["access_token"] in fake_google.access
