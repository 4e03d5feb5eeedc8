"""Issue 17: the server refuses exactly as the contract says (close code, ERROR code, retry and
recovery hint), checked on a live server against ``openagents_proto.sync.codes`` — the table
docs/PROTOCOL.md is itself checked against (tests/contracts/test_close_table.py)."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from openagents_proto.sync import codes as contract
from openagents_proto.sync import domain as d
from openagents_proto.sync.limits import MAX_TOPICS_PER_SUBSCRIBE
from openagents_proto.sync.v1 import khala_pb2
from openagents_server.khala import log

from tests.khala.support import BUILD, Closed, KhalaClient, fill, token

TOPIC = "user:u1:workers"


def assert_refusal(closed: Closed, disconnect: contract.Disconnect) -> None:
    """The close and its ERROR frame say what the contract's ``disconnect`` says."""
    assert closed.code == disconnect.close_code
    assert closed.error is not None, f"no ERROR frame before close {closed.code}"
    assert closed.error.code is disconnect.error
    assert closed.error.close_code == disconnect.close_code
    assert closed.error.retryable is disconnect.reconnect
    assert closed.error.recovery is disconnect.recovery


def hello(**fields: object) -> d.Hello:
    values: dict[str, object] = {"sync_token": token(), "client_build_id": BUILD, "protocol_version": "khala.ws.v1",
                                 "schema_version": 1}
    values.update(fields)
    return d.Hello(**values)  # type: ignore[arg-type]


def raw_hello(**fields: object) -> bytes:
    """A HELLO the client-side encoder would refuse to build (the wire allows any value)."""
    values: dict[str, object] = {"sync_token": token(), "client_build_id": BUILD, "protocol_version": "khala.ws.v1",
                                 "schema_version": 1}
    values.update(fields)
    payload = khala_pb2.Hello(**values).SerializeToString()  # type: ignore[arg-type]
    return khala_pb2.KhalaFrame(kind=khala_pb2.KHALA_FRAME_KIND_HELLO, payload_bytes=payload,
                                schema_version=1).SerializeToString()


def raw_subscribe(topics: list[str], cursors: list[tuple[str, int]], request_id: str) -> bytes:
    payload = khala_pb2.Subscribe(topics=topics, request_id=request_id, resume_after=[
        khala_pb2.TopicCursor(topic=t, watermark=w) for t, w in cursors]).SerializeToString()
    return khala_pb2.KhalaFrame(kind=khala_pb2.KHALA_FRAME_KIND_SUBSCRIBE, payload_bytes=payload,
                                schema_version=1).SerializeToString()


@pytest.fixture
def server(live_server):
    return live_server()


# -- point 2: a missing token is UNAUTHORIZED ------------------------------------------------------


async def test_an_empty_sync_token_is_unauthorized_and_asks_for_a_new_token(server) -> None:
    client = await KhalaClient.connect(server.ws_url)
    await client.send_raw(raw_hello(sync_token=""))
    closed = await client.expect_close()
    assert_refusal(closed, contract.UNAUTHORIZED)
    assert (closed.code, closed.error.recovery) == (4001, d.RecoveryHint.REAUTHENTICATE)
    assert closed.error.field == "sync_token" and closed.error.message.startswith("missing:")


# -- point 3: protocol and schema outside the window are upgrade_required, whatever their value -----


@pytest.mark.parametrize(("fields", "reason"), [
    ({"protocol_version": ""}, "unsupported_protocol_version"),
    ({"schema_version": 0}, "unsupported_schema_version"),
    ({"protocol_version": "khala.ws.v9"}, "unsupported_protocol_version"),
    ({"schema_version": 7}, "unsupported_schema_version"),
    ({"client_build_id": ""}, "unsupported_client_build"),
])
async def test_a_hello_outside_the_window_is_upgrade_required(server, fields: dict, reason: str) -> None:
    client = await KhalaClient.connect(server.ws_url)
    await client.send_raw(raw_hello(**fields))
    closed = await client.expect_close()
    assert_refusal(closed, contract.UPGRADE_REQUIRED)
    assert (closed.code, closed.error.recovery) == (4026, d.RecoveryHint.UPGRADE)
    assert closed.error.message.startswith(f"{reason}:")


async def test_the_window_is_judged_before_the_token(server) -> None:
    """Both wrong: upgrading comes first (a client that cannot speak the protocol cannot use a token)."""
    client = await KhalaClient.connect(server.ws_url)
    await client.send_raw(raw_hello(sync_token="", protocol_version=""))
    assert_refusal(await client.expect_close(), contract.UPGRADE_REQUIRED)


async def test_a_native_client_naming_its_own_build_is_accepted(server) -> None:
    """Build id ``cli-1.2``: the contract and the server now agree (bounds apply to shell builds only)."""
    client = await KhalaClient.connect(server.ws_url)
    welcome = await client.hello(client_build_id="cli-1.2")
    assert welcome.protocol_version == "khala.ws.v1"
    await client.close()


# -- point 4: a malformed SUBSCRIBE is a refused subscription; the socket stays open ---------------


@pytest.mark.parametrize("case", ["too_many_topics", "duplicate_cursors", "duplicate_topics",
                                  "cursor_for_an_unlisted_topic", "malformed_topic"])
async def test_a_malformed_subscribe_is_refused_and_the_socket_stays_open(server, db: asyncpg.Connection,
                                                                          case: str) -> None:
    frames = {
        "too_many_topics": raw_subscribe([f"run:r{i}:events" for i in range(MAX_TOPICS_PER_SUBSCRIBE + 1)], [],
                                         "bad"),
        "duplicate_cursors": raw_subscribe([TOPIC], [(TOPIC, 1), (TOPIC, 2)], "bad"),
        "duplicate_topics": raw_subscribe([TOPIC, TOPIC], [], "bad"),
        "cursor_for_an_unlisted_topic": raw_subscribe([TOPIC], [("user:u1:notifications", 1)], "bad"),
        "malformed_topic": raw_subscribe(["user u1 workers"], [], "bad"),
    }
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    await client.send_raw(frames[case])
    error = await client.recv()
    assert isinstance(error, d.SyncError)
    assert error.code is contract.BAD_SUBSCRIPTION.error is d.SyncErrorCode.BAD_SUBSCRIPTION
    assert (error.close_code, error.retryable, error.recovery) == (0, False, d.RecoveryHint.UNSPECIFIED)
    assert error.request_id == "bad" and error.field.startswith("subscribe.")
    # Still open and serving.
    await client.subscribe([TOPIC])
    await log.append(db, TOPIC, doc_key="x", payload={"ok": True})
    await client.batches({TOPIC: 1})
    await client.close()


async def test_a_subscribe_before_hello_is_still_a_bad_frame(server) -> None:
    client = await KhalaClient.connect(server.ws_url)
    await client.send_raw(raw_subscribe([TOPIC, TOPIC], [], "early"))
    closed = await client.expect_close()
    assert_refusal(closed, contract.BAD_FRAME)
    assert closed.error.message.startswith("hello_required:")


# -- point 6: a token admits a HELLO until the expiry HELLO_OK advertises --------------------------


async def test_a_long_lived_token_is_accepted_until_its_advertised_expiry(server) -> None:
    issued = int(time.time()) - 400  # older than the old 300 s "maximum age", 500 s before its expiry
    client = await KhalaClient.connect(server.ws_url)
    welcome = await client.hello(token(ttl_seconds=900, now=issued))
    assert welcome.token_expires_at_unix_ms == (issued + 900) * 1000
    await client.close()

    expired = await KhalaClient.connect(server.ws_url)
    await expired.send(hello(sync_token=token(ttl_seconds=900, now=int(time.time()) - 900)))
    closed = await expired.expect_close()
    assert_refusal(closed, contract.UNAUTHORIZED)
    assert closed.error.message.startswith("expired:")


# -- point 7: closes without an ERROR frame are the contract's too ---------------------------------


async def test_no_hello_and_idle_closes_are_the_contracts(live_server) -> None:
    server = live_server(env={"OPENAGENTS_KHALA_HELLO_TIMEOUT_MS": "300", "OPENAGENTS_KHALA_IDLE_TIMEOUT_MS": "600",
                              "OPENAGENTS_KHALA_HEARTBEAT_INTERVAL_MS": "5000"})
    silent = await KhalaClient.connect(server.ws_url)
    closed = await silent.expect_close()
    assert (closed.code, closed.reason, closed.error) == (contract.HELLO_TIMEOUT.close_code,
                                                          contract.HELLO_TIMEOUT.code, None)
    assert closed.code == 4002
    idle = await KhalaClient.connect(server.ws_url)
    await idle.hello()
    closed = await idle.expect_close()
    assert (closed.code, closed.reason, closed.error) == (contract.IDLE_TIMEOUT.close_code,
                                                          contract.IDLE_TIMEOUT.code, None)
    assert closed.code == 4011


# -- point 5: head watermarks report the topic's head, not the batch's end -------------------------


async def test_replay_batches_report_the_topic_head(server, db: asyncpg.Connection) -> None:
    topic = "run:heads:events"
    await fill(db, topic, 2000, 20)
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    client.applied[topic] = 737
    ack = await client.subscribe([topic], {topic: 737})
    assert ack.head_watermarks == (d.TopicCursor(topic=topic, watermark=2000),)
    batches = await client.batches({topic: 2000})
    assert len(batches) >= 7
    assert {b.head_watermarks for b in batches} == {(d.TopicCursor(topic=topic, watermark=2000),)}
    assert [b.replay_complete for b in batches] == [False] * (len(batches) - 1) + [True]
    await client.close()


async def test_heartbeats_during_a_stalled_replay_report_the_head(live_server, db: asyncpg.Connection) -> None:
    server = live_server(env={"OPENAGENTS_KHALA_HEARTBEAT_INTERVAL_MS": "100"})
    topic = "run:stall:events"
    await fill(db, topic, 400, 40_000)  # 16 MB: the replay waits on the socket for most of its time
    # A reader that buffers almost nothing: with autotuned loopback buffers (up to 32 MiB here) the
    # kernel swallowed the whole replay at once, so the server never waited and every heartbeat queued
    # behind the last batch (it failed in CI when the one heartbeat between two log reads came late).
    client = await KhalaClient.connect(server.ws_url, narrow_receive=True)
    await client.hello()
    await client.subscribe([topic])
    heartbeats_before_the_end: list[d.Heartbeat] = []
    while client.applied.get(topic, 0) < 400:
        message = await client.recv(10)
        if isinstance(message, d.Heartbeat):
            heartbeats_before_the_end.append(message)
        elif isinstance(message, d.UpdateBatch):
            client.apply(message)
            await asyncio.sleep(0.05)  # a slow reader: the server's queue and the socket fill up
    assert heartbeats_before_the_end, "no heartbeat arrived while the replay was under way"
    assert {h.watermarks for h in heartbeats_before_the_end} == {(d.TopicCursor(topic=topic, watermark=400),)}
    await client.close()

