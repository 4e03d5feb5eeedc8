"""A second person can neither see nor control the first one's workers, runs or threads: every
endpoint answers 404 (existence is not leaked) and Khala refuses the topics."""

from __future__ import annotations

import asyncpg
import pytest
from openagents_server.khala.tokens import SigningKeys, mint_sync_token
from openagents_server.settings import Settings

from tests.runtime.conftest import BASE, Person


async def test_every_worker_endpoint_refuses_another_person(ada: Person, bob: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    await ada.turn(worker, thread, "t1", "secret plans")
    run_id = await db.fetchval("SELECT id FROM runtime_runs WHERE request_id = 't1'")
    attempts = {
        "get": await bob.get(f"{BASE}/{worker}"),
        "stream": await bob.get(f"{BASE}/{worker}/stream"),
        "request": await bob.request(worker, "b1", "thread/list"),
        "events": await bob.events(worker, {"event_type": "worker.heartbeat"}),
        "stop": await bob.post(f"{BASE}/{worker}/stop"),
        "register_same_id": await bob.post(BASE, {"worker_id": worker}),
        "chat": await bob.get(f"/api/chats/{thread}"),
        "chat_messages": await bob.get(f"/api/chats/{thread}/messages"),
        "chat_runs": await bob.get(f"/api/chats/{thread}/runs"),
        "chat_run_events": await bob.get(f"/api/chats/{thread}/runs/{run_id}/events"),
    }
    for name, response in attempts.items():
        assert response.status_code == 404, (name, response.text)
        assert "secret" not in response.text
    assert (await bob.get(BASE)).json()["data"]["workers"] == []
    assert (await bob.get("/api/chats")).json()["data"]["conversations"] == []
    # Bob's own worker cannot address Ada's thread either.
    own = await bob.worker()
    foreign = await bob.request(own, "b2", "turn/start", thread_id=thread, text="hi")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "thread_not_found"
    # Nothing changed for Ada.
    assert (await ada.get(f"{BASE}/{worker}")).json()["data"]["status"] == "running"


@pytest.mark.parametrize("topic_of", ["worker", "run", "user"])
async def test_khala_refuses_another_persons_runtime_topics(ada: Person, bob: Person, db: asyncpg.Connection,
                                                            settings: Settings, topic_of: str) -> None:
    from openagents_server.khala import log
    from openagents_server.khala.auth import authorize
    from openagents_server.khala.codes import KhalaClose
    from openagents_server.khala.tokens import verify_sync_token
    from openagents_server.khala.topics import parse_topic

    worker = await ada.worker()
    await ada.thread(worker)
    run_id = await db.fetchval("SELECT id FROM runtime_runs LIMIT 1")
    topic = {"worker": f"worker:{worker}:events", "run": f"run:{run_id}:events",
             "user": f"user:{ada.session.user_id}:workers"}[topic_of]
    keys = SigningKeys.parse(settings.sync_token_secret)
    scopes = ("runtime.run_events", "runtime.codex_worker_summaries", "runtime.codex_worker_events")
    state = (await log.topic_states(db, [topic])).get(topic)

    def claims(user: str) -> object:
        token = mint_sync_token(keys, user_id=user, org_id="org_x", session_id="s", device_id="d", scopes=scopes,
                                topics=())[0]
        return verify_sync_token(token, keys)

    authorize(claims(ada.session.user_id), parse_topic(topic), state)  # the owner may subscribe
    with pytest.raises(KhalaClose) as refused:
        authorize(claims(bob.session.user_id), parse_topic(topic), state)
    assert refused.value.reason == "not_owner"
