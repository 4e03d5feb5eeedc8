"""ACL matrix: every topic type × (owner, other user, other org, missing scope, token faults)."""

from __future__ import annotations

import time

import asyncpg
import jwt
import msgspec
import pytest
from openagents_server.khala import log
from openagents_server.khala.tokens import SigningKeys, mint_sync_token

from tests.khala.support import ALL_SCOPES, KEYS, Closed, KhalaClient, token

# topic → scope it needs. Run/worker topics are owned by (u1, o1) via register_topic.
TOPICS = {
    "run:r1:events": "runtime.run_events",
    "worker:w1:events": "runtime.codex_worker_events",
    "user:u1:workers": "runtime.codex_worker_summaries",
    "user:u1:notifications": "notifications.read",
    "org:o1:workers": "runtime.codex_worker_summaries",
    "org:o1:worker_events": "runtime.codex_worker_events",
}
ORG_TOPICS = {"org:o1:workers", "org:o1:worker_events"}




@pytest.fixture
async def server(live_server, db: asyncpg.Connection):
    await log.register_topic(db, "run:r1:events", owner_user_id="u1", owner_org_id=None)
    await log.register_topic(db, "worker:w1:events", owner_user_id="u1", owner_org_id=None)
    return live_server()


def _claims_token(mutate) -> str:
    now = int(time.time())
    _, claims = mint_sync_token(KEYS, user_id="u1", org_id="o1", session_id="s1", device_id="d1",
                                scopes=ALL_SCOPES, topics=(), now=now)
    payload = msgspec.to_builtins(claims)
    key = KEYS.keys[KEYS.active_kid]
    mutate(payload)
    return jwt.encode(payload, key, algorithm="HS256", headers={"kid": KEYS.active_kid})


TOKEN_FAULTS = {
    "expired": lambda: token(ttl_seconds=60, now=int(time.time()) - 61),
    "too_old": lambda: _claims_token(lambda p: p.update(iat=p["iat"] - 301, exp=p["iat"] + 600)),
    "missing_jti": lambda: _claims_token(lambda p: p.pop("jti")),
    "bad_signature": lambda: mint_sync_token(SigningKeys.single("z" * 40), user_id="u1", org_id="o1",
                                             session_id="s1", device_id="d1", scopes=ALL_SCOPES, topics=())[0],
    "wrong_audience": lambda: _claims_token(lambda p: p.update(aud="openagents-control")),
    "missing_iat": lambda: _claims_token(lambda p: p.pop("iat")),
}


async def _subscribe_outcome(server, sync_token: str, topic: str) -> int | str:
    """"ok" when the subscription is accepted, else the close code the server sent."""
    client = await KhalaClient.connect(server.ws_url)
    try:
        from openagents_proto.sync import domain as d

        await client.send(d.Hello(sync_token=sync_token, client_build_id="20260221T130000Z",
                                  protocol_version="khala.ws.v1", schema_version=1))
        first = await client.recv()
        if not isinstance(first, d.HelloOk):
            return (await client.expect_close()).code  # type: ignore[return-value]
        await client.send(d.Subscribe(topics=(topic,), request_id="acl"))
        ack = await client.recv()
        if not isinstance(ack, d.Subscribed):
            return (await client.expect_close()).code  # type: ignore[return-value]
        return "ok"
    except Closed as closed:
        return closed.code  # type: ignore[return-value]
    finally:
        await client.close()


@pytest.mark.parametrize("topic", sorted(TOPICS))
async def test_acl_matrix_for_each_topic_type(server, topic: str) -> None:
    scope = TOPICS[topic]
    outcomes = {
        "owner": await _subscribe_outcome(server, token(), topic),
        "other_user": await _subscribe_outcome(server, token(user="u2", org="o2"), topic),
        "other_org": await _subscribe_outcome(server, token(user="u3", org="o9"), topic),
        "missing_scope": await _subscribe_outcome(
            server, token(scopes=[s for s in ALL_SCOPES if s != scope]), topic),
        "topic_not_in_token": await _subscribe_outcome(server, token(topics=["user:u1:elsewhere"]), topic),
    }
    for fault, make in TOKEN_FAULTS.items():
        outcomes[fault] = await _subscribe_outcome(server, make(), topic)
    expected = {
        "owner": "ok", "other_user": 4003, "other_org": 4003, "missing_scope": 4003, "topic_not_in_token": 4003,
        **{fault: 4001 for fault in TOKEN_FAULTS},
    }
    assert outcomes == expected


async def test_org_member_reaches_org_owned_run_but_not_another_orgs(server, db: asyncpg.Connection) -> None:
    await log.register_topic(db, "run:team:events", owner_user_id="someone", owner_org_id="o1")
    assert await _subscribe_outcome(server, token(user="u5", org="o1"), "run:team:events") == "ok"
    assert await _subscribe_outcome(server, token(user="u5", org="o2"), "run:team:events") == 4003


async def test_unregistered_run_topic_is_forbidden(server) -> None:
    assert await _subscribe_outcome(server, token(), "run:nobody:events") == 4003


async def test_forbidden_error_frame_names_the_reason(server) -> None:
    from openagents_proto.sync import domain as d

    client = await KhalaClient.connect(server.ws_url)
    await client.hello(token(user="u2", org="o2"))
    await client.send(d.Subscribe(topics=("user:u1:notifications",), request_id="req-9"))
    closed = await client.expect_close()
    assert closed.code == 4003 and closed.error is not None
    assert closed.error.code is d.SyncErrorCode.FORBIDDEN_TOPIC and closed.error.request_id == "req-9"
    assert closed.error.message.startswith("not_owner:") and not closed.error.retryable
