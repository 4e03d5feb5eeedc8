"""The Codex access policy (ADR 0603) against real PostgreSQL: who may chat, and the refusal's envelope.

A person may chat once a worker with an adapter the deployment allows is linked to their account
(registered by a worker that authenticated as them). ``GET /api/runtime/codex/access`` says so or
why not; requests that start or continue a conversation on a worker whose adapter is not allowed are
refused with 403 ``codex_access_required``; reads and interrupts are not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import load_settings

from tests.identity.conftest import sign_in
from tests.runtime.conftest import BASE, Person

ACCESS = "/api/runtime/codex/access"


@pytest.fixture
async def codex_only(database_url: str) -> AsyncIterator[AsyncTestClient]:
    """A deployment whose policy is production's: Codex (ChatGPT-backed) workers only."""
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             codex_chat_adapters=("codex",))
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_no_linked_worker_means_no_access_and_a_linked_one_grants_it(ada: Person, bob: Person) -> None:
    refused = (await ada.get(ACCESS)).json()["data"]
    assert refused == {"allowed": False, "reason": "no_worker", "allowed_adapters": ["codex", "openai", "demo"],
                       "workers": 0, "linked_workers": [], "link_help": "/workers"}
    worker = await ada.worker("demo")
    granted = (await ada.get(ACCESS)).json()["data"]
    assert granted["allowed"] and granted["reason"] == "linked" and granted["linked_workers"] == [worker]
    # Ada's worker is hers: Bob still has none
    assert (await bob.get(ACCESS)).json()["data"]["reason"] == "no_worker"
    # a worker stopped later stays linked (the page then says to start it), it does not lose access
    assert (await ada.post(f"{BASE}/{worker}/stop")).status_code == 200
    assert (await ada.get(ACCESS)).json()["data"]["allowed"]


async def test_the_policy_refuses_chat_on_a_worker_whose_adapter_is_not_allowed(
        codex_only: AsyncTestClient, db: asyncpg.Connection) -> None:
    ada = Person(await sign_in(codex_only, db, "ada@example.com"), codex_only)
    demo = await ada.worker("demo")
    state = (await ada.get(ACCESS)).json()["data"]
    assert state["allowed"] is False and state["reason"] == "adapter_not_allowed"
    assert state["allowed_adapters"] == ["codex"] and state["workers"] == 1

    for method, params in (("thread/start", {}), ("thread/resume", {"thread_id": "thr_1"}),
                           ("turn/start", {"thread_id": "thr_1", "text": "hi"})):
        refused = await ada.request(demo, f"r-{method.replace('/', '-')}", method, **params)
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "codex_access_required"
        assert error["adapter"] == "demo" and error["allowed_adapters"] == ["codex"]
        assert "linked Codex worker" in error["message"] and "--adapter codex" in error["message"]
    # nothing was accepted: no run, no request recorded
    assert await db.fetchval("SELECT count(*) FROM runtime_requests WHERE worker_id = $1", demo) == 0
    # reads stay allowed
    assert (await ada.request(demo, "r-list", "thread/list")).status_code == 202

    codex = await ada.worker("codex")
    state = (await ada.get(ACCESS)).json()["data"]
    assert state["allowed"] and state["linked_workers"] == [codex]
    assert (await ada.request(codex, "r-start", "thread/start")).status_code == 202


async def test_the_access_endpoint_needs_a_sign_in_and_a_read_ability(client: AsyncTestClient, ada: Person) -> None:
    anonymous = await client.get(ACCESS)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"]
    token = await ada.post("/api/tokens", {"name": "no runtime", "abilities": ["sync:token"]})
    assert token.status_code == 201, token.text
    narrow = await client.get(ACCESS, headers={"authorization": f"Bearer {token.json()['data']['token']}"})
    assert narrow.status_code == 403, narrow.text


def test_production_allows_only_codex_unless_configured() -> None:
    from types import SimpleNamespace

    from openagents_server.settings import Settings

    default = Settings.chat_adapters.fget  # type: ignore[attr-defined]
    assert default(SimpleNamespace(env="production", codex_chat_adapters=())) == ("codex",)
    assert Settings(env="test").chat_adapters == ("codex", "openai", "demo")
    configured = load_settings({"OPENAGENTS_CODEX_CHAT_ADAPTERS": "codex, OpenAI"}, env="test")
    assert configured.chat_adapters == ("codex", "openai")
