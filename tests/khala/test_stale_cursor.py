"""Stale cursors (both reasons), rehydrate from the snapshot, resume; replay across pruning."""

from __future__ import annotations

from urllib.parse import urlencode

import asyncpg
import httpx
from openagents_proto.sync import domain as d
from openagents_server.khala import log
from openagents_server.khala.topics import NOTIFICATIONS, RUN_EVENTS

from tests.khala.support import KhalaClient, token

NOTES = "user:u1:notifications"


async def _bulk_append(db: asyncpg.Connection, topic: str, klass: str, count: int, doc_keys: int) -> None:
    """Fill a topic fast (bypassing the publish-rate limit, which is not what these tests are about)."""
    await db.execute(
        """
        INSERT INTO khala_topics (topic, topic_class) VALUES ($1, $2) ON CONFLICT DO NOTHING;
        """.strip().rstrip(";"),
        topic, klass,
    )
    await db.execute(
        """
        WITH rows AS (
            SELECT g, 'doc' || (g % $4) AS doc_key, convert_to('{"g":' || g || '}', 'UTF8') AS body
            FROM generate_series(1, $3) g
        ), ins AS (
            INSERT INTO khala_events (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash)
            SELECT $1, g, $2, 'upsert', doc_key, g, body, 'sha256:' || encode(sha256(body), 'hex') FROM rows
        )
        INSERT INTO khala_documents (topic, doc_key, doc_version, seq, kind, payload, payload_hash)
        SELECT DISTINCT ON (doc_key) $1, doc_key, g, g, 'upsert', body, 'sha256:' || encode(sha256(body), 'hex')
        FROM rows ORDER BY doc_key, g DESC
        """,
        topic, klass, count, doc_keys,
    )
    await db.execute("UPDATE khala_topics SET head_seq = $2 WHERE topic = $1", topic, count)


async def test_replay_budget_exceeded_then_rehydrate_and_resume(live_server, db: asyncpg.Connection) -> None:
    server = live_server()
    budget = NOTIFICATIONS.replay_budget
    await _bulk_append(db, NOTES, "notifications", budget + 100, doc_keys=7)
    client = await KhalaClient.connect(server.ws_url)
    sync_token = token()
    await client.hello(sync_token)
    await client.send(d.Subscribe(topics=(NOTES,), resume_after=(d.TopicCursor(topic=NOTES, watermark=50),),
                                  request_id="s1"))
    closed = await client.expect_close()
    assert closed.code == 4009
    error = closed.error
    assert error is not None and error.code is d.SyncErrorCode.STALE_CURSOR and error.request_id == "s1"
    (stale,) = error.stale_cursors
    assert stale.reason is d.StaleCursorReason.REPLAY_BUDGET_EXCEEDED
    assert (stale.requested_watermark, stale.head_watermark, stale.replay_budget, stale.retention_floor) == (
        50, budget + 100, budget, 0)
    assert stale.recovery is d.RecoveryHint.REHYDRATE and error.retryable

    # Rehydrate: the snapshot holds the latest version of each document and the watermark to resume from.
    async with httpx.AsyncClient(base_url=server.url) as http:
        docs, after, watermark = {}, None, None
        while True:
            params = {"limit": 3, **({"after": after} if after else {})}
            response = await http.get(stale.snapshot_path + "&" + urlencode(params),
                                      headers={"authorization": f"Bearer {sync_token}"})
            assert response.status_code == 200, response.text
            page = response.json()["data"]
            watermark = page["watermark"] if watermark is None else watermark
            assert page["watermark"] == watermark
            docs.update({doc["doc_key"]: doc for doc in page["documents"]})
            after = page["next_cursor"]
            if after is None:
                break
    assert watermark == budget + 100 and len(docs) == 7
    assert docs["doc0"]["payload"] == {"g": 595} and docs["doc0"]["doc_version"] == 595
    await log.append(db, NOTES, doc_key="doc0", payload={"g": "new"})

    resumed = await KhalaClient.connect(server.ws_url)
    await resumed.hello(token())
    resumed.applied[NOTES] = watermark
    await resumed.subscribe([NOTES], {NOTES: watermark})
    batch = await resumed.recv()
    assert isinstance(batch, d.UpdateBatch) and [u.watermark for u in batch.updates] == [watermark + 1]
    assert batch.updates[0].body() == {"g": "new"}
    await resumed.close()


async def test_retention_floor_breach_and_replay_across_the_pruned_boundary(live_server, db: asyncpg.Connection) -> None:
    server = live_server()
    topic = "run:old:events"
    await log.register_topic(db, topic, owner_user_id="u1")
    for i in range(30):
        await log.append(db, topic, doc_key=f"e{i}", payload={"i": i})
    await db.execute("UPDATE khala_events SET created_at = now() - interval '8 days' WHERE topic = $1 AND seq <= 10",
                     topic)
    assert (await log.prune_class(db, RUN_EVENTS)).deleted == 10

    behind = await KhalaClient.connect(server.ws_url)
    await behind.hello()
    await behind.send(d.Subscribe(topics=(topic,), resume_after=(d.TopicCursor(topic=topic, watermark=5),)))
    closed = await behind.expect_close()
    assert closed.code == 4009
    (stale,) = closed.error.stale_cursors  # type: ignore[union-attr]
    assert stale.reason is d.StaleCursorReason.RETENTION_FLOOR_BREACH
    assert (stale.retention_floor, stale.head_watermark) == (10, 30)

    # Exactly at the floor: everything after it is still there, so replay works.
    at_floor = await KhalaClient.connect(server.ws_url)
    await at_floor.hello()
    at_floor.applied[topic] = 10
    await at_floor.subscribe([topic], {topic: 10})
    await at_floor.batches({topic: 30})
    assert at_floor.applied[topic] == 30 and at_floor.duplicates == 0
    await at_floor.close()


async def test_watermark_ahead_of_head_is_stale(live_server, db: asyncpg.Connection) -> None:
    server = live_server()
    await log.append(db, NOTES, doc_key="a", payload=1)
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    await client.send(d.Subscribe(topics=(NOTES,), resume_after=(d.TopicCursor(topic=NOTES, watermark=99),)))
    closed = await client.expect_close()
    assert closed.code == 4009 and closed.error.message.startswith("watermark_ahead_of_head")  # type: ignore[union-attr]


async def test_snapshot_requires_a_token_that_grants_the_topic(live_server, db: asyncpg.Connection) -> None:
    server = live_server()
    await log.append(db, NOTES, doc_key="a", payload={"x": 1})
    async with httpx.AsyncClient(base_url=server.url) as http:
        path = "/api/sync/snapshot"
        anonymous = await http.get(path, params={"topic": NOTES})
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
        other = await http.get(path, params={"topic": NOTES},
                               headers={"authorization": f"Bearer {token(user='u2', org='o2')}"})
        assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
        bad_cursor = await http.get(path, params={"topic": NOTES, "after": "nonsense"},
                                    headers={"authorization": f"Bearer {token()}"})
        assert bad_cursor.status_code == 422
        ok = await http.get(path, params={"topic": NOTES}, headers={"authorization": f"Bearer {token()}"})
        assert ok.status_code == 200
        assert ok.json()["data"]["documents"][0]["payload"] == {"x": 1}
        assert ok.json()["data"]["watermark"] == 1
