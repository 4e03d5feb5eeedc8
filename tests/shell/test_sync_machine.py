"""The Khala client's protocol state machine: HELLO → SUBSCRIBE with watermarks, exactly-once apply,
backoff, and the ERROR's recovery hint."""

from __future__ import annotations

from openagents_proto.sync.domain import (
    Heartbeat,
    Hello,
    HelloOk,
    RecoveryHint,
    StaleCursor,
    StaleCursorReason,
    Subscribe,
    Subscribed,
    SyncError,
    SyncErrorCode,
    TopicCursor,
    Update,
    UpdateBatch,
)
from openagents_shell.sync.machine import (
    Apply,
    KhalaClient,
    Phase,
    Reconnect,
    Rehydrate,
    ReloadApp,
    RenewToken,
    Send,
    backoff_s,
)

TOPIC = "user:u1:notifications"
HELLO_OK = HelloOk(connection_id="c1", protocol_version="khala.ws.v1", schema_version=1, heartbeat_interval_ms=15000,
                   idle_timeout_ms=60000, max_inbound_frame_bytes=65536, max_batch_updates=100)


def update(seq: int, topic: str = TOPIC) -> Update:
    return Update.build(topic=topic, doc_key=f"n{seq}", doc_version=1, body={"n": seq}, watermark=seq)


def live(watermarks: dict[str, int] | None = None) -> KhalaClient:
    client = KhalaClient(topics=(TOPIC, "user:u1:other"), watermarks=dict(watermarks or {}), build_id="b1")
    client.open("tok")
    client.receive(HELLO_OK, now=0.0)
    client.receive(Subscribed(request_id="", topics=client.topics), now=0.0)
    return client


def test_hello_then_subscribe_resumes_after_stored_watermarks() -> None:
    client = KhalaClient(topics=(TOPIC, "user:u1:other"), watermarks={TOPIC: 7}, build_id="b1", device_id="d1")
    [hello] = client.open("tok")
    assert isinstance(hello, Send) and isinstance(hello.message, Hello)
    assert hello.message.sync_token == "tok" and hello.message.client_build_id == "b1"
    assert client.phase == Phase.CONNECTING
    [sub] = client.receive(HELLO_OK, now=0.0)
    assert sub == Send(Subscribe(topics=(TOPIC, "user:u1:other"), resume_after=(TopicCursor(topic=TOPIC, watermark=7),)))
    client.receive(Subscribed(request_id="", topics=client.topics), now=0.0)
    assert client.phase == Phase.LIVE


def test_updates_apply_exactly_once_by_topic_and_watermark() -> None:
    client = live({TOPIC: 2})
    actions = client.receive(UpdateBatch(updates=(update(1), update(2), update(3), update(4))), now=1.0)
    assert [a.update.watermark for a in actions if isinstance(a, Apply)] == [3, 4]
    # a replay after a reconnect overlaps: nothing twice
    again = client.receive(UpdateBatch(updates=(update(4), update(5), update(1, "user:u1:other"))), now=2.0)
    assert [(a.update.topic, a.update.watermark) for a in again if isinstance(a, Apply)] == [
        (TOPIC, 5), ("user:u1:other", 1)]
    assert client.watermarks == {TOPIC: 5, "user:u1:other": 1}
    assert client.receive(Heartbeat(), now=3.0) == [Send(Heartbeat(watermarks=(
        TopicCursor(topic=TOPIC, watermark=5), TopicCursor(topic="user:u1:other", watermark=1))))]


def test_backoff_doubles_from_750ms_caps_at_8s_and_resets_after_30s_connected() -> None:
    assert [backoff_s(n, 1.0) for n in range(6)] == [0.75, 1.5, 3.0, 6.0, 8.0, 8.0]
    assert backoff_s(0, 0.0) == 0.375  # jitter: half to all of the step
    client = live()
    delays = [client.closed(now=1.0, random=1.0)[0] for _ in range(4)]
    assert delays == [Reconnect(0.75), Reconnect(1.5), Reconnect(3.0), Reconnect(6.0)]
    client.open("tok")
    client.receive(HELLO_OK, now=100.0)
    assert client.closed(now=131.0, random=1.0) == [Reconnect(0.75)]  # stable for 30 s: from the start
    assert client.online() == [Reconnect(0.0)]


def test_recovery_hints_pick_the_next_step() -> None:
    client = live({TOPIC: 3})
    stale = StaleCursor(topic=TOPIC, reason=StaleCursorReason.RETENTION_FLOOR_BREACH, requested_watermark=3,
                        retention_floor=10, head_watermark=20, replay_budget=100, snapshot_path="/api/x/snapshot")
    actions = client.receive(SyncError(code=SyncErrorCode.STALE_CURSOR, message="stale", retryable=True,
                                       recovery=RecoveryHint.REHYDRATE, stale_cursors=(stale,)), now=1.0, random=1.0)
    assert actions == [Rehydrate(TOPIC, "/api/x/snapshot"), Reconnect(0.75)]
    assert TOPIC not in client.watermarks
    client.rehydrated(TOPIC, 20)
    assert client.cursors() == (TopicCursor(topic=TOPIC, watermark=20),)

    limited = live()
    assert limited.receive(SyncError(code=SyncErrorCode.RATE_LIMITED, message="slow down", retryable=True,
                                     retry_after_ms=5000, recovery=RecoveryHint.RESUME), now=1.0) == [Reconnect(5.0)]

    auth = live()
    assert auth.receive(SyncError(code=SyncErrorCode.REAUTH_REQUIRED, message="x",
                                  recovery=RecoveryHint.REAUTHENTICATE), now=1.0) == [RenewToken()]
    assert auth.phase == Phase.SIGN_IN_NEEDED and auth.closed(now=2.0) == []

    old = live()
    assert old.receive(SyncError(code=SyncErrorCode.UPGRADE_REQUIRED, message="x", recovery=RecoveryHint.UPGRADE),
                       now=1.0) == [ReloadApp()]
    assert old.phase == Phase.UPGRADE_NEEDED
