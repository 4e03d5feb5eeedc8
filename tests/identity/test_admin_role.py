"""The platform administrator role: configured emails, sessions only, shown on /api/me."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import load_settings

from tests.identity.conftest import sign_in


@pytest.fixture
async def admin_client(database_url: str):
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             admin_emails=("Root@Example.com",))
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_me_tells_an_admin_session_from_everyone_else(admin_client, db) -> None:
    admin = await sign_in(admin_client, db, "root@example.com")
    other = await sign_in(admin_client, db, "ada@example.com")
    assert (await admin_client.get("/api/me", headers=admin.headers)).json()["data"]["is_admin"] is True
    assert (await admin_client.get("/api/me", headers=other.headers)).json()["data"]["is_admin"] is False

    created = await admin_client.post("/api/tokens", headers=admin.headers, json={"name": "ops"})
    pat = {"authorization": f"Bearer {created.json()['data']['token']}"}
    # A personal access token never acts as an administrator, even the admin's own with every ability.
    assert (await admin_client.get("/api/me", headers=pat)).json()["data"]["is_admin"] is False


def test_local_development_has_one_known_admin_and_production_none_by_default() -> None:
    assert load_settings({}, env="local").platform_admins == frozenset({"admin@openagents.local"})
    assert load_settings({}, env="test").platform_admins == frozenset()
    assert load_settings({"OPENAGENTS_ADMIN_EMAILS": "A@x.org, b@y.org"}, env="test").platform_admins == {"a@x.org", "b@y.org"}
