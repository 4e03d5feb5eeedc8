"""The WorkOS adapter, through our API, against a local server speaking the SDK's real requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import load_settings

from tests.support.fake_workos import API_KEY, CLIENT_ID, EXPIRED_CODE, GOOD_CODE, FakeWorkOS, user_id_for


@pytest.fixture
def workos() -> Iterator[FakeWorkOS]:
    with FakeWorkOS() as fake:
        yield fake


@pytest.fixture
async def wclient(database_url: str, workos: FakeWorkOS) -> AsyncIterator[AsyncTestClient]:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             auth_provider="workos", workos_api_key=API_KEY, workos_client_id=CLIENT_ID,
                             workos_base_url=workos.url)
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


async def test_magic_auth_sign_in_mirrors_the_workos_user(wclient, workos, db: asyncpg.Connection) -> None:
    sent = await wclient.post("/api/auth/email", json={"email": "ada@example.com"})
    assert sent.status_code == 200 and sent.json()["data"]["provider"] == "workos"
    # WorkOS holds the code; we never see or store it.
    assert await db.fetchval("SELECT local_code FROM auth_challenges") is None
    verified = await wclient.post("/api/auth/verify", json={"email": "ada@example.com", "code": GOOD_CODE,
                                                            "device_id": "ios:1"})
    assert verified.status_code == 200, verified.text
    identity = verified.json()["data"]["session"]["identity"]
    assert identity == {"provider": "workos", "provider_user_id": user_id_for("ada@example.com"),
                        "email": "ada@example.com"}
    assert verified.json()["data"]["user"]["name"] == "Ada Lovelace"
    _, path, body, _ = workos.requests[-1]
    assert path == "/user_management/authenticate"
    assert body["grant_type"] == "urn:workos:oauth:grant-type:magic-auth:code"
    assert body["client_id"] == CLIENT_ID and body["device_id"] == "ios:1"
    assert workos.requests[0][1] == "/user_management/magic_auth"
    assert workos.requests[0][3]["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize(("code", "status", "error"), [
    ("123456", 422, "invalid_code"),
    (EXPIRED_CODE, 422, "code_expired"),
])
async def test_workos_code_errors_map_to_422(wclient, code, status, error) -> None:
    await wclient.post("/api/auth/email", json={"email": "ada@example.com"})
    response = await wclient.post("/api/auth/verify", json={"email": "ada@example.com", "code": code})
    assert response.status_code == status and response.json()["error"]["code"] == error
    assert "code" in response.json()["errors"]


async def test_workos_rate_limit_is_429_with_retry_after(wclient) -> None:
    response = await wclient.post("/api/auth/email", json={"email": "limited@example.com"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7" and response.json()["error"]["code"] == "rate_limited"


async def test_workos_outage_is_503_and_keeps_nothing(wclient, db) -> None:
    response = await wclient.post("/api/auth/email", json={"email": "down@example.com"})
    assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
    assert "Internal Server Error" not in response.text  # WorkOS internals are not passed through
    assert await db.fetchval("SELECT count(*) FROM auth_challenges") == 0
    failed = await db.fetchval("SELECT count(*) FROM audit_events WHERE event_name = 'auth.challenge.requested' "
                               "AND outcome = 'failure'")
    assert failed == 1


async def test_wrong_workos_credentials_are_503_not_the_users_fault(database_url, workos) -> None:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             workos_api_key="sk_wrong", workos_client_id=CLIENT_ID, workos_base_url=workos.url)
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.post("/api/auth/email", json={"email": "ada@example.com"})
    assert response.status_code == 503


async def test_workos_unreachable_is_503(database_url) -> None:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             workos_api_key=API_KEY, workos_client_id=CLIENT_ID, workos_base_url="http://127.0.0.1:9")
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.post("/api/auth/email", json={"email": "ada@example.com"})
    assert response.status_code == 503


async def test_workos_stays_the_authority_for_name_and_email(wclient, db) -> None:
    await wclient.post("/api/auth/email", json={"email": "ada@example.com"})
    first = await wclient.post("/api/auth/verify", json={"email": "ada@example.com", "code": GOOD_CODE})
    token = first.json()["data"]["session"]["access_token"]
    await wclient.get("/api/me", headers={"authorization": f"Bearer {token}"})  # cached now
    await db.execute("UPDATE users SET name = 'Stale Local Copy'")
    await wclient.post("/api/auth/email", json={"email": "ada@example.com"})
    await wclient.post("/api/auth/verify", json={"email": "ada@example.com", "code": GOOD_CODE, "device_id": "d:2"})
    assert await db.fetchval("SELECT name FROM users") == "Ada Lovelace"
    me = await wclient.get("/api/me", headers={"authorization": f"Bearer {token}"})
    assert me.json()["data"]["user"]["name"] == "Ada Lovelace"


async def test_register_creates_the_user_at_workos(database_url, workos) -> None:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             workos_api_key=API_KEY, workos_client_id=CLIENT_ID, workos_base_url=workos.url,
                             auth_register_enabled=True)
    async with AsyncTestClient(create_app(settings)) as client:
        created = await client.post("/api/auth/register", json={"email": "new@example.com", "name": "New"})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["session"]["identity"]["provider_user_id"] == user_id_for("new@example.com")
    assert workos.requests[-1][1] == "/user_management/users"
    assert workos.requests[-1][2]["email"] == "new@example.com"
