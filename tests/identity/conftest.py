"""Fixtures for the control plane: an in-process app on a fresh database and sign-in helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import Settings

#: Headers a same-origin browser fetch carries (the server keys cookie mode on Sec-Fetch-Site).
BROWSER = {"sec-fetch-site": "same-origin"}


@dataclass
class Session:
    email: str
    user_id: str
    session_id: str
    device_id: str
    access_token: str
    refresh_token: str
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.access_token}"}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    app = create_app(settings)
    async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as client:
        client.follow_redirects = False  # form routes answer 303; tests inspect the redirect itself
        yield client


async def pending_code(db_or_dsn: asyncpg.Connection | str, email: str) -> str:
    conn = db_or_dsn if isinstance(db_or_dsn, asyncpg.Connection) else await asyncpg.connect(db_or_dsn)
    try:
        return await conn.fetchval(
            "SELECT local_code FROM auth_challenges WHERE email = $1 AND consumed_at IS NULL "
            "ORDER BY created_at DESC LIMIT 1",
            email,
        )
    finally:
        if not isinstance(db_or_dsn, asyncpg.Connection):
            await conn.close()


async def sign_in(client: Any, db: asyncpg.Connection | str, email: str = "ada@example.com",
                  device_id: str | None = None) -> Session:
    """The API-client flow: email → code from the local provider's store → verify (Bearer tokens)."""
    sent = await client.post("/api/auth/email", json={"email": email})
    assert sent.status_code == 200, sent.text
    code = await pending_code(db, email.lower())
    body: dict[str, Any] = {"email": email, "code": code, "challenge_id": sent.json()["data"]["challenge_id"]}
    if device_id:
        body["device_id"] = device_id
    verified = await client.post("/api/auth/verify", json=body)
    assert verified.status_code == 200, verified.text
    data = verified.json()["data"]
    session = data["session"]
    return Session(email.lower(), data["user"]["id"], session["session_id"], session["device_id"],
                   session["access_token"], session["refresh_token"], data)


@pytest.fixture
def signed_in(client: AsyncTestClient, db: asyncpg.Connection):
    async def make(email: str = "ada@example.com", device_id: str | None = None) -> Session:
        return await sign_in(client, db, email, device_id)

    return make
