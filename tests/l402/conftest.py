"""Fixtures: an in-process app (real PostgreSQL) with a platform admin, people signed in with Bearer
tokens, wallets funded through the fake backend, and the fake LND REST server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import load_settings

from tests.identity.conftest import sign_in
from tests.l402.fake_lnd import MACAROON, FakeLnd

ADMIN = "root@example.com"


@pytest.fixture
def fake_lnd() -> Iterator[FakeLnd]:
    fake = FakeLnd().start()
    yield fake
    fake.stop()


def make_settings(database_url: str, **extra: Any):
    return load_settings({}, env="test", database_url=database_url, log_level="warning", admin_emails=(ADMIN,),
                         api_burst=5000, **extra)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(create_app(make_settings(database_url)), base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.fixture
async def lnd_client(database_url: str, fake_lnd: FakeLnd) -> AsyncIterator[AsyncTestClient]:
    settings = make_settings(database_url, lightning_backend="lnd", lnd_rest_url=fake_lnd.url,
                             lnd_macaroon_hex=MACAROON, lnd_timeout_seconds=2.0)
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.fixture
def person(client, db):
    async def make(email: str = "ada@example.com"):
        return await sign_in(client, db, email)

    return make


async def wallet(client, who, *, fund_sats: int = 0, **policy: Any) -> dict[str, Any]:
    created = await client.post("/api/agent-payments/wallet", headers=who.headers, json=policy)
    assert created.status_code in (200, 201), created.text
    if fund_sats:
        funded = await client.post("/api/agent-payments/invoice", headers=who.headers, json={"amount_sats": fund_sats})
        assert funded.status_code == 201, funded.text
    return created.json()["data"]


async def invoice_from(client, who, sats: int) -> str:
    made = await client.post("/api/payments/invoice", headers=who.headers, json={"amount_sats": sats})
    assert made.status_code == 201, made.text
    return made.json()["data"]["payment_request"]
