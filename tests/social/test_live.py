"""Live: shouts reach anonymous readers on ``feed:public`` and whispers both people's topics, over a
real Khala WebSocket, within a second; the public sync token reads public topics and nothing else."""

from __future__ import annotations

import asyncio
import json
import time

from openagents_proto.sync import domain as d
from openagents_server.domains.identity.sync_tokens import PUBLIC_TOKENS_PER_IP

from tests.khala.support import KhalaClient, token
from tests.khala.test_acl import _subscribe_outcome

LIVE_WITHIN_SECONDS = 1.0
#: whispers share the notifications topic with the security notifications of issue 19 (a sign-in)
WHISPER = "whisper:"


async def _public_token(http) -> str:
    minted = await http.post("/api/sync/public-token")
    assert minted.status_code == 200, minted.text
    return minted.json()["data"]["token"]


async def _next_update(client: KhalaClient, topic: str, timeout: float = 5.0, doc_prefix: str = "") -> d.Update:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await client.recv(max(0.01, deadline - loop.time()))
        if isinstance(message, d.UpdateBatch):
            for update in message.updates:
                if update.topic == topic and update.doc_key.startswith(doc_prefix):
                    return update


async def test_an_anonymous_reader_sees_a_new_shout_live_within_a_second(http, person, server) -> None:
    ada = await person("ada")
    reader = await KhalaClient.connect(server.ws_url)
    try:
        await reader.hello(await _public_token(http))
        await reader.subscribe(["feed:public"])
        started = time.monotonic()
        posted = await http.post("/api/shouts", json={"text": "live!", "zone": "agents"}, headers=ada.headers)
        update = await _next_update(reader, "feed:public")
        elapsed = time.monotonic() - started
    finally:
        await reader.close()
    shout = posted.json()["data"]
    assert elapsed < LIVE_WITHIN_SECONDS, elapsed
    assert update.watermark == shout["seq"]  # the feed seq is the shout's order
    payload = json.loads(update.payload)
    assert payload["id"] == shout["id"] and payload["text"] == "live!" and payload["zone"] == "agents"


async def test_a_reader_that_reconnects_resumes_from_its_watermark(http, person, server) -> None:
    ada = await person("ada")
    first = (await http.post("/api/shouts", json={"text": "one"}, headers=ada.headers)).json()["data"]
    await http.post("/api/shouts", json={"text": "two"}, headers=ada.headers)
    await http.post("/api/shouts", json={"text": "three"}, headers=ada.headers)
    reader = await KhalaClient.connect(server.ws_url)
    try:
        await reader.hello(await _public_token(http))
        await reader.subscribe(["feed:public"], resume_after={"feed:public": first["seq"]})
        reader.applied["feed:public"] = first["seq"]  # what the reader had before it reconnected
        batches = await reader.batches({"feed:public": first["seq"] + 2})
    finally:
        await reader.close()
    texts = [json.loads(u.payload)["text"] for b in batches for u in b.updates]
    assert texts == ["two", "three"]


async def test_whispers_and_their_read_receipts_reach_both_people_live(http, person, server) -> None:
    ada, bob = await person("ada"), await person("bob")
    sockets = {}
    try:
        for who in (ada, bob):
            minted = await http.post("/api/sync/token", json={}, headers=who.headers)
            assert minted.status_code == 200, minted.text
            topic = f"user:{who.user_id}:notifications"
            assert topic in [t["topic"] for t in minted.json()["data"]["granted_topics"]]
            client = await KhalaClient.connect(server.ws_url)
            await client.hello(minted.json()["data"]["token"])
            await client.subscribe([topic])
            sockets[who.user_id] = (client, topic)
        started = time.monotonic()
        sent = await http.post("/api/whispers", json={"recipient_id": bob.user_id, "text": "hey"}, headers=ada.headers)
        bob_client, bob_topic = sockets[bob.user_id]
        arrived = json.loads((await _next_update(bob_client, bob_topic, doc_prefix=WHISPER)).payload)
        assert time.monotonic() - started < LIVE_WITHIN_SECONDS
        assert arrived["id"] == sent.json()["data"]["id"] and arrived["read_at"] is None
        ada_client, ada_topic = sockets[ada.user_id]
        assert json.loads((await _next_update(ada_client, ada_topic, doc_prefix=WHISPER)).payload)["id"] == arrived["id"]
        started = time.monotonic()
        await http.patch(f"/api/whispers/{arrived['id']}/read", headers=bob.headers)
        receipt = json.loads((await _next_update(ada_client, ada_topic, doc_prefix=WHISPER)).payload)
        assert time.monotonic() - started < LIVE_WITHIN_SECONDS
        assert receipt["id"] == arrived["id"] and receipt["read_at"] is not None
    finally:
        for client, _ in sockets.values():
            await client.close()


async def test_a_public_token_reads_the_feed_and_nothing_else(http, server) -> None:
    public = await _public_token(http)
    assert await _subscribe_outcome(server, public, "feed:public") == "ok"
    for topic in ("user:u1:notifications", "user:u1:workers", "org:public:workers", "run:r1:events"):
        assert await _subscribe_outcome(server, public, topic) == 4003, topic


async def test_a_user_token_without_the_feed_scope_cannot_read_the_feed(server) -> None:
    assert await _subscribe_outcome(server, token(), "feed:public") == 4003


async def test_the_public_token_is_short_lived_and_names_its_limits(http) -> None:
    data = (await http.post("/api/sync/public-token")).json()["data"]
    assert data["expires_in_seconds"] <= 300
    assert data["granted_scopes"] == ["feed.read"]
    assert [t["topic"] for t in data["granted_topics"]] == ["feed:public"]
    assert data["subject"].startswith("anon_")
    other = (await http.post("/api/sync/public-token")).json()["data"]
    assert other["subject"] != data["subject"]  # each reader counts apart against the per-user socket cap


async def test_public_tokens_are_rate_limited_per_address(http) -> None:
    statuses = [(await http.post("/api/sync/public-token")).status_code for _ in range(PUBLIC_TOKENS_PER_IP.hits + 1)]
    assert statuses == [200] * PUBLIC_TOKENS_PER_IP.hits + [429]
    limited = await http.post("/api/sync/public-token")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60


async def test_a_signed_in_persons_sync_token_reads_the_feed_beside_their_own_topics(http, person, server) -> None:
    ada = await person("ada")
    default = (await http.post("/api/sync/token", json={}, headers=ada.headers)).json()["data"]
    assert "feed.read" not in default["granted_scopes"]  # asked for, not by default
    minted = await http.post("/api/sync/token", headers=ada.headers,
                             json={"topics": ["feed:public", f"user:{ada.user_id}:notifications"]})
    assert minted.status_code == 200, minted.text
    data = minted.json()["data"]
    assert "feed.read" in data["granted_scopes"]
    assert await _subscribe_outcome(server, data["token"], "feed:public") == "ok"
    by_scope = await http.post("/api/sync/token", json={"scopes": ["feed.read"], "topics": ["feed:public"]},
                               headers=ada.headers)
    assert by_scope.status_code == 200 and by_scope.json()["data"]["granted_scopes"] == ["feed.read"]
