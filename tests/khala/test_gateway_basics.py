"""The socket protocol end to end against a real granian server and PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from openagents_proto.sync import domain as d
from openagents_server.khala import log
from openagents_server.khala.canonical import payload_hash

from tests.khala.support import KhalaClient, seqs, token

TOPIC = "user:u1:notifications"


@pytest.fixture
def server(live_server):
    return live_server()


async def test_subscribe_replays_history_then_streams_live(server, db: asyncpg.Connection) -> None:
    for i in range(3):
        await log.append(db, TOPIC, doc_key=f"n{i}", payload={"i": i})
    client = await KhalaClient.connect(server.ws_url)
    welcome = await client.hello(token())
    assert welcome.heartbeat_interval_ms == 20_000 and welcome.idle_timeout_ms == 60_000
    ack = await client.subscribe([TOPIC], {TOPIC: 1})
    assert ack.head_watermarks[0].watermark == 3
    replay = await client.recv()
    assert isinstance(replay, d.UpdateBatch) and replay.replay_complete
    assert [u.watermark for u in replay.updates] == [2, 3]
    assert replay.updates[0].payload == b'{"i":1}' and replay.updates[0].doc_key == "n1"
    await log.append(db, TOPIC, doc_key="n3", payload={"i": 3})
    live = await client.recv()
    assert isinstance(live, d.UpdateBatch) and live.replay_complete  # contract: live batches say True
    assert seqs([live]) == [4]
    await client.close()


async def test_caught_up_client_gets_no_batch_until_something_new(server, db: asyncpg.Connection) -> None:
    await log.append(db, TOPIC, doc_key="a", payload=1)
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    ack = await client.subscribe([TOPIC], {TOPIC: 1})
    assert ack.head_watermarks[0].watermark == 1  # head == watermark: replay is complete already
    await log.append(db, TOPIC, doc_key="b", payload=2)
    live = await client.recv()
    assert isinstance(live, d.UpdateBatch) and seqs([live]) == [2]
    await client.close()


async def test_unsubscribe_stops_one_topic_and_keeps_the_other(server, db: asyncpg.Connection) -> None:
    other = "user:u1:workers"
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    await client.subscribe([TOPIC, other])
    await client.unsubscribe([TOPIC])
    await client.heartbeat()  # ordering fence: frames are read in order, so UNSUBSCRIBE is applied
    await asyncio.sleep(0.2)
    await log.append(db, TOPIC, doc_key="gone", payload=1)
    await log.append(db, other, doc_key="kept", payload=2)
    batch = await client.recv()
    assert isinstance(batch, d.UpdateBatch) and batch.updates[0].topic == other
    await client.close()


async def test_event_whose_wake_up_was_lost_still_arrives(live_server, db: asyncpg.Connection) -> None:
    """A process that dies between COMMIT and its NOTIFY: the head check delivers anyway."""
    server = live_server(env={"OPENAGENTS_KHALA_HEAD_CHECK_INTERVAL_MS": "300"})
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    await client.subscribe([TOPIC])
    await db.fetchrow(
        "SELECT * FROM khala_append($1, 'notifications', 'upsert', 'k', NULL, $2, $3, NULL, NULL, 90, false)",
        TOPIC, b'{"silent":true}', payload_hash(b'{"silent":true}'),
    )
    batch = await client.recv(timeout=3)
    assert isinstance(batch, d.UpdateBatch) and seqs([batch]) == [1]
    await client.close()
