"""``/admin/runtime`` live (ADR 0604): the ``admin:runtime`` topic carries every worker status change and
every run's creation and finish, in the transaction of the change, with no message text; only a
platform administrator's session is granted its scope, and Khala refuses it to anyone else."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.khala import log
from openagents_server.khala.auth import authorize
from openagents_server.khala.codes import KhalaClose
from openagents_server.khala.tokens import SigningKeys, mint_sync_token, verify_sync_token
from openagents_server.khala.topics import parse_topic
from openagents_server.settings import Settings, load_settings

from tests.identity.conftest import sign_in
from tests.runtime.conftest import BASE, Person

TOPIC = "admin:runtime"


@pytest.fixture
async def admin_client(database_url: str) -> AsyncIterator[AsyncTestClient]:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             admin_emails=("root@example.com",))
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


async def admin_events(db: asyncpg.Connection, after: int = 0) -> list[dict[str, object]]:
    return [json.loads(e.payload) for e in await log.read(db, TOPIC, after, limit=1000)]


async def test_worker_and_run_changes_reach_the_admin_topic_without_message_text(
        admin_client: AsyncTestClient, db: asyncpg.Connection) -> None:
    ada = Person(await sign_in(admin_client, db, "ada@example.com"), admin_client)
    root = Person(await sign_in(admin_client, db, "root@example.com"), admin_client)
    worker = await ada.worker()
    overview = (await root.get("/api/admin/runtime")).json()["data"]
    head = overview["khala"]["head_seq"]
    assert overview["khala"] == {"topic": TOPIC, "head_seq": (await log.topic_states(db, [TOPIC]))[TOPIC].head,
                                 "scope": "admin.runtime"}
    assert [(e["type"], e["status"]) for e in await admin_events(db)] == [
        ("admin.worker", "starting"), ("admin.worker", "running")]

    thread = await ada.thread(worker)
    await ada.turn(worker, thread, "t1", "my secret plans", deltas=("very ", "private ", "answer"))
    stopped = await root.post(f"/api/admin/runtime/workers/{worker}/stop", {"reason": "maintenance"})
    assert stopped.status_code == 200
    after = await admin_events(db, head)
    assert [(e["type"], e.get("method", ""), e["status"]) for e in after] == [
        ("admin.run", "thread/start", "created"), ("admin.run", "thread/start", "succeeded"),
        ("admin.run", "turn/start", "created"), ("admin.run", "turn/start", "succeeded"),
        ("admin.worker", "", "stopping")]
    assert after[-1]["reason"] == "maintenance" and after[-1]["worker_id"] == worker
    assert all(e["owner_user_id"] == ada.session.user_id for e in after)
    raw = json.dumps(after)
    assert "secret" not in raw and "private" not in raw  # statuses, never what people wrote or got


async def test_only_an_administrators_session_gets_the_admin_topic(
        admin_client: AsyncTestClient, db: asyncpg.Connection) -> None:
    ada = Person(await sign_in(admin_client, db, "ada@example.com"), admin_client)
    root = Person(await sign_in(admin_client, db, "root@example.com"), admin_client)
    granted = await root.post("/api/sync/token", {"topics": [TOPIC, f"user:{root.session.user_id}:notifications"]})
    assert granted.status_code == 200, granted.text
    data = granted.json()["data"]
    assert "admin.runtime" in data["granted_scopes"]
    assert {"topic": TOPIC, "required_scope": "admin.runtime"} in data["granted_topics"]
    # an admin's token that names no admin topic carries no admin scope
    plain = (await root.post("/api/sync/token", {})).json()["data"]
    assert "admin.runtime" not in plain["granted_scopes"]
    # anyone else, and the admin's own PAT, are refused
    refused = await ada.post("/api/sync/token", {"topics": [TOPIC]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_scope", refused.text
    explicit = await ada.post("/api/sync/token", {"scopes": ["admin.runtime"], "topics": [TOPIC]})
    assert explicit.status_code == 422 and explicit.json()["error"]["scopes"] == ["admin.runtime"]
    created = await root.post("/api/tokens", {"name": "root-pat", "abilities": ["*"]})
    pat = {"authorization": f"Bearer {created.json()['data']['token']}"}
    via_pat = await admin_client.post("/api/sync/token", json={"topics": [TOPIC]}, headers=pat)
    assert via_pat.status_code == 422 and via_pat.json()["error"]["code"] == "invalid_scope", via_pat.text


def test_khala_lets_the_admin_scope_read_the_admin_topic_and_refuses_everyone_else(settings: Settings) -> None:
    keys = SigningKeys.parse(settings.sync_token_secret)

    def claims(scopes: tuple[str, ...]) -> object:
        token = mint_sync_token(keys, user_id="usr_x", org_id="org_x", session_id="s", device_id="d", scopes=scopes,
                                topics=())[0]
        return verify_sync_token(token, keys)

    topic = parse_topic(TOPIC)
    authorize(claims(("admin.runtime",)), topic, None)
    with pytest.raises(KhalaClose) as refused:
        authorize(claims(("runtime.run_events", "runtime.codex_worker_summaries", "runtime.codex_worker_events",
                          "notifications.read")), topic, None)
    assert refused.value.reason == "missing_scope"
    with pytest.raises(Exception):  # noqa: B017 - only admin:runtime is an admin topic
        parse_topic("admin:everything")


async def test_a_stop_and_a_new_worker_are_announced_in_their_own_transaction(
        admin_client: AsyncTestClient, db: asyncpg.Connection) -> None:
    """The worker's row and its admin event commit together: whoever sees one sees the other."""
    ada = Person(await sign_in(admin_client, db, "ada@example.com"), admin_client)
    worker = await ada.worker()
    assert (await ada.post(f"{BASE}/{worker}/stop")).status_code == 200
    status = await db.fetchval("SELECT status FROM runtime_workers WHERE id = $1", worker)
    last = (await admin_events(db))[-1]
    assert (last["worker_id"], last["status"]) == (worker, status)
