"""Fixtures: the fake Resend and Google servers, a real granian server wired to them, and people
signed in through the browser's cookie session (with the CSRF header the shell sends)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from openagents_server.domains.identity import dev_login
from openagents_server.khala import log

from tests.integrations.fakes import OTHER_SECRET, WEBHOOK_SECRET, FakeGoogle, FakeResend
from tests.support.servers import LiveServer, free_port

TEST_LOGIN_SECRET = "dev-only-test-login-secret"


@pytest.fixture
def fake_resend() -> Iterator[FakeResend]:
    fake = FakeResend().start()
    yield fake  # type: ignore[misc]
    fake.stop()


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle().start()
    yield fake  # type: ignore[misc]
    fake.stop()


def integration_env(port: int, fake_resend: FakeResend, fake_google: FakeGoogle) -> dict[str, str]:
    return {
        "OPENAGENTS_PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
        "OPENAGENTS_RESEND_API_URL": fake_resend.url,
        # Two signing secrets, as during a rotation at Resend: the fake signs with the second.
        "OPENAGENTS_RESEND_WEBHOOK_SECRETS": f"{OTHER_SECRET},{WEBHOOK_SECRET}",
        **fake_google.env,
    }


@pytest.fixture
def server(database_url: str, fake_resend: FakeResend, fake_google: FakeGoogle) -> Iterator[LiveServer]:
    port = free_port()
    live = LiveServer(database_url, env=integration_env(port, fake_resend, fake_google), port=port).start()
    fake_resend.webhook_url = live.url + "/api/webhooks/resend"
    yield live
    live.stop()


@dataclass
class Person:
    """A signed-in browser: its cookies sent by hand (they are Secure; the test server is plain http)."""

    http: httpx.AsyncClient
    user_id: str
    email: str
    cookies: dict[str, str]

    @property
    def headers(self) -> dict[str, str]:
        return {"cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                "x-csrf-token": self.cookies["oa_csrf"], "sec-fetch-site": "same-origin"}

    @property
    def cookie_only(self) -> dict[str, str]:
        return {"cookie": self.headers["cookie"], "sec-fetch-site": "same-origin"}

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(path, headers=self.headers, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.post(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.delete(path, headers=self.headers, **kw)

    async def connect_resend(self, key: str) -> httpx.Response:
        return await self.post("/api/settings/integrations/resend", json={"api_key": key})


@pytest.fixture
async def people(server: LiveServer) -> AsyncIterator[Any]:
    clients: list[httpx.AsyncClient] = []

    async def sign_in(email: str = "ada@example.com") -> Person:
        http = httpx.AsyncClient(base_url=server.url, timeout=20)
        clients.append(http)
        query = dev_login.signed_query(TEST_LOGIN_SECRET, email, redirect="/settings/integrations")
        response = await http.get(f"/internal/test-login?{query}")
        assert response.status_code == 303, response.text
        cookies = {}
        for header in response.headers.get_list("set-cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if value:
                cookies[name] = value
        person = Person(http, "", email, cookies)
        me = await person.get("/api/me")
        assert me.status_code == 200, me.text
        person.user_id = me.json()["data"]["user"]["id"] if "user" in me.json()["data"] else me.json()["data"]["id"]
        return person

    yield sign_in
    for http in clients:
        await http.aclose()


async def notifications(db: asyncpg.Connection, user_id: str) -> list[dict[str, Any]]:
    """The payloads on the person's Khala notifications topic, in order."""
    return [json.loads(e.payload) for e in await log.read(db, f"user:{user_id}:notifications", 0)]


async def audit_events(db: asyncpg.Connection, prefix: str) -> list[asyncpg.Record]:
    return await db.fetch("SELECT event_name, outcome, user_id, attributes FROM audit_events "
                          "WHERE event_name LIKE $1 ORDER BY id", prefix + "%")
