"""`openagents auth …` helpers, and the audit trail every auth event leaves."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import httpx
from litestar.testing import AsyncTestClient

from tests.identity.conftest import pending_code
from tests.support.production import production_environment


def _cli(database_url: str, *args: str, env: str = "test") -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "OPENAGENTS_DATABASE_URL": database_url, "OPENAGENTS_ENV": env,
               **production_environment()}
    return subprocess.run([sys.executable, "-m", "openagents_server.cli", "auth", *args],
                          capture_output=True, text=True, env=environ, timeout=60, check=False)


async def test_auth_code_prints_the_pending_code(client: AsyncTestClient, db, database_url: str) -> None:
    await client.post("/api/auth/email", json={"email": "cli@example.com"})
    result = _cli(database_url, "code", "CLI@example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == await pending_code(db, "cli@example.com")
    missing = _cli(database_url, "code", "nobody@example.com")
    assert missing.returncode == 1 and "no pending code" in missing.stderr


async def test_auth_helpers_refuse_production(database_url: str) -> None:
    for args in (("code", "a@example.com"), ("test-login-url", "a@example.com")):
        result = _cli(database_url, *args, env="production")
        assert result.returncode == 2 and "only when OPENAGENTS_ENV is local or test" in result.stderr


async def test_test_login_url_signs_in_a_browser(live_server, database_url: str) -> None:
    server = live_server()
    result = _cli(database_url, "test-login-url", "link@example.com", "--redirect", "/feed")
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().replace("http://127.0.0.1:8000", server.url)
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
        assert response.status_code == 303 and response.headers["location"] == "/feed"
        session = response.cookies.get("oa_session") or response.headers["set-cookie"]
        assert "oa_at_" in session


async def test_every_auth_step_is_audited(client: AsyncTestClient, db: asyncpg.Connection, signed_in) -> None:
    me = await signed_in("audit@example.com", device_id="dev:1")
    await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token})
    await client.post("/api/auth/refresh", json={"refresh_token": me.refresh_token})  # replay
    again = await signed_in("audit@example.com", device_id="dev:2")
    await client.post("/api/sync/token", headers=again.headers)
    await client.post("/api/sync/token", headers=again.headers, json={"scopes": ["nope"]})
    await client.post("/api/tokens", headers=again.headers, json={"name": "t"})
    await client.post("/api/auth/logout", headers=again.headers)
    rows = await db.fetch("SELECT event_name, outcome, user_id, request_id FROM audit_events ORDER BY id")
    names = [r["event_name"] for r in rows]
    for expected in ("auth.challenge.requested", "auth.verify.completed", "auth.refresh.completed",
                     "auth.refresh.replay_detected", "auth.sessions.revoked", "sync.token.issued",
                     "sync.token.denied", "tokens.created"):
        assert expected in names, expected
    assert all(r["request_id"] for r in rows)  # each row names the request that caused it
    assert {r["user_id"] for r in rows if r["event_name"] == "auth.verify.completed"} == {me.user_id}
