"""Helpers for the security tests: every test runs against a real granian process."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import run_sync
from tests.identity.conftest import Session, pending_code, sign_in


def signed_in_live(url: str, database_url: str, email: str = "ada@example.com") -> Session:
    async def go() -> Session:
        async with httpx.AsyncClient(base_url=url) as http:
            return await sign_in(http, database_url, email)

    return run_sync(go())


def code_for(database_url: str, email: str) -> str:
    return run_sync(pending_code(database_url, email))


@pytest.fixture
def server(live_server):
    return live_server(workers=1)
