"""Registration gate, limit buckets, and coverage of the seeds' auth endpoints."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import asyncpg
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.db import rate_limits
from openagents_server.settings import load_settings

MANIFEST = Path(__file__).resolve().parents[1] / "fixtures" / "api-manifest.json"


async def test_register_is_off_unless_enabled(client: AsyncTestClient) -> None:
    response = await client.post("/api/auth/register", json={"email": "reg@example.com"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_register_when_enabled(database_url: str) -> None:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             auth_register_enabled=True)
    async with AsyncTestClient(create_app(settings)) as client:
        created = await client.post("/api/auth/register", json={"email": "Reg@Example.com", "name": "Reg"})
        assert created.status_code == 201, created.text
        data = created.json()["data"]
        assert data["new_user"] and data["user"] == {"id": data["user"]["id"], "email": "reg@example.com",
                                                     "name": "Reg"}
        me = await client.get("/api/me", headers={"authorization": f"Bearer {data['session']['access_token']}"})
        assert me.status_code == 200
        again = await client.post("/api/v1/auth/register", json={"email": "reg@example.com"})
        assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


async def test_bucket_refills_and_idle_buckets_are_pruned(db: asyncpg.Connection) -> None:
    verdicts = [(await rate_limits.hit(db, "probe", 3, 1))[0] for _ in range(4)]
    assert verdicts == [True, True, True, False]
    _, wait = await rate_limits.hit(db, "probe", 3, 1)
    assert 0 < wait <= 1 / 3 + 0.05  # one request's worth of refill, not a whole window
    await asyncio.sleep(wait + 0.05)
    assert (await rate_limits.hit(db, "probe", 3, 1))[0]
    await asyncio.sleep(1.1)  # full again: nothing to remember
    assert await rate_limits.prune(db, older_than_seconds=0) >= 1


async def test_forwarded_for_is_believed_only_from_trusted_proxies(database_url: str) -> None:
    from openagents_server.domains.identity.authentication import client_ip

    seen: list[str] = []

    def app_with(trusted: tuple[str, ...]):
        settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                                 trusted_proxies=trusted)
        app = create_app(settings)
        app.before_request = lambda request: seen.append(client_ip(request, settings))  # type: ignore[assignment]
        return app

    spoof = {"x-forwarded-for": "6.6.6.6, 10.0.0.9"}
    async with AsyncTestClient(app_with(())) as client:
        await client.get("/healthz", headers=spoof)
    async with AsyncTestClient(app_with(("testclient", "10.0.0.9"))) as client:
        await client.get("/healthz", headers=spoof)
    assert seen == ["testclient", "6.6.6.6"]


async def test_old_challenges_are_pruned(db: asyncpg.Connection) -> None:
    from openagents_server.domains.identity.repositories import challenges

    await db.execute("INSERT INTO auth_challenges (id, email, provider, expires_at, created_at) VALUES "
                     "('old', 'a@example.com', 'local', now(), now() - interval '2 days'), "
                     "('new', 'a@example.com', 'local', now(), now())")
    await challenges.prune(db)
    assert [r[0] for r in await db.fetch("SELECT id FROM auth_challenges")] == ["new"]


async def test_every_auth_endpoint_of_the_seeds_is_served(client: AsyncTestClient) -> None:
    schema = (await client.get("/openapi.json")).json()["paths"]
    served = {(method.upper(), re.sub(r"\{[^}]+\}", "{}", path)) for path, ops in schema.items() for method in ops}
    wanted = [e for e in json.loads(MANIFEST.read_text())["api"] if e["group"] == "Auth and identity"]
    assert len(wanted) == 14
    missing = [e for e in wanted if (e["method"], re.sub(r"\{[^}]+\}", "{}", e["path"])) not in served]
    assert missing == []
    web = {(e["method"], e["path"]) for e in json.loads(MANIFEST.read_text())["web"]}
    for route in (("POST", "/login/email"), ("POST", "/login/verify"), ("POST", "/logout")):
        assert route in web and route in served
