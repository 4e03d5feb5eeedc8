"""Social tests run against a real granian (``live_server``) on a fresh PostgreSQL per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from tests.identity.conftest import Session, sign_in
from tests.support.servers import LiveServer


@pytest.fixture
def server(live_server) -> LiveServer:
    return live_server()


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def person(http: httpx.AsyncClient, database_url: str) -> Callable[[str], Awaitable[Session]]:
    """Sign a person in (email → code → verify) and return their session (Bearer headers)."""

    async def make(name: str) -> Session:
        return await sign_in(http, database_url, f"{name}@example.com")

    return make


def shout_ids(body: dict) -> list[str]:
    return [s["id"] for s in body["data"]["shouts"]]
