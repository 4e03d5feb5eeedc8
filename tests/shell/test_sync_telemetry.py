"""Client telemetry with the fake host: what the sync runtime reports, the contract's shape (checked
by the contract itself), batches of at most 50, a bounded queue, failed sends kept, refused batches
dropped, the page-hide beacon, the periodic flush, and one event per IndexedDB reset and per renderer
fallback, with its reason."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from openagents_proto import bridge
from openagents_proto.sync import domain as d
from openagents_proto.sync import telemetry as contract
from openagents_proto.sync.v1 import telemetry_pb2
from openagents_shell.api.client import ApiClient
from openagents_shell.host.base import NetworkError
from openagents_shell.host.fake import (
    FakeBeacon,
    FakeClock,
    FakeCookies,
    FakeFetch,
    FakeKeyValueDb,
    FakeSockets,
    json_response,
)
from openagents_shell.render import policy
from openagents_shell.sync.runtime import Channel, LiveSync, MemoryWatermarks, decode, encode
from openagents_shell.sync.storage import DB_NAME, SCHEMA_VERSION, SEP, STORES, SyncStore
from openagents_shell.sync.telemetry import (
    BROWSER,
    ENDPOINT,
    FLUSH_EVERY_S,
    MAX_BATCH,
    MAX_QUEUE,
    Telemetry,
    actor_hash,
)

from tests.shell.test_sync_runtime import FEED, NOTES, handshake, settle, token

RECONNECT = {"attempt": 1, "backoff_ms": 560, "resumed": True, "last_applied_seq": 7, "reason_code": "socket_closed"}


def make(fetch: FakeFetch | None = None, beacon: FakeBeacon | None = None,
         clock: FakeClock | None = None) -> Telemetry:
    return Telemetry(build_id="b1", fetch=fetch or FakeFetch(), beacon=beacon or FakeBeacon(), clock=clock or FakeClock(),
                     wall=lambda: 1_765_000_000.0)


def posted(fetch: FakeFetch) -> list[list[dict[str, Any]]]:
    return [json.loads(body)["events"] for method, url, _h, body in fetch.seen if (method, url) == ("POST", ENDPOINT)]


def accepted(*_args: Any) -> Any:
    return json_response(202, {"data": {"accepted": 1, "by_kind": {}}})


def valid(event: dict[str, Any]) -> contract.ClientTelemetryEvent:
    """The server's own check (``domains/ops/telemetry.py``): the contract, through the proto bridge."""
    return bridge.from_json(event, telemetry_pb2.ClientTelemetryEvent, contract.ClientTelemetryEvent)


async def test_events_follow_the_contract_and_name_no_person() -> None:
    fetch = FakeFetch(handler=accepted)
    t = make(fetch)
    t.record("reconnect", RECONNECT, partition="user:usr_secret", topic_class="notifications")
    t.record("auth_failure", {"http_status": 401, "reason_code": "sign_in_needed", "refresh_attempted": True},
             partition="user:usr_secret")
    t.record("replay", {"status": "stale_cursor", "requested_after_seq": 2, "head_seq": 9, "catchup_duration_ms": 12},
             partition="public", topic_class="feed")
    await t.flush()
    [batch] = posted(fetch)
    assert [valid(e).reconnect is not None for e in batch] == [True, False, False]
    assert batch[0]["actor_scope_hash"] == actor_hash("user:usr_secret") != actor_hash("public")
    assert "usr_secret" not in json.dumps(batch)
    assert len({e["event_id"] for e in batch}) == 3
    assert t.debug() == {"queued": 0, "sent": 3, "dropped": 0, "flushes": 1, "beacons": 0,
                         "recorded": {"reconnect": 1, "auth_failure": 1, "replay": 1}}


async def test_batches_hold_at_most_50_and_a_full_batch_leaves_at_once() -> None:
    fetch = FakeFetch(handler=accepted)
    t = make(fetch)
    for _ in range(MAX_BATCH - 1):
        t.record("reconnect", RECONNECT, partition="public")
    await settle()
    assert posted(fetch) == []  # not yet: every 10 s, or a full batch
    t.record("reconnect", RECONNECT, partition="public")
    for _ in range(30):
        t.record("reconnect", RECONNECT, partition="public")
    await settle()
    await t.flush()
    assert [len(b) for b in posted(fetch)] == [50, 30]
    assert t.sent == 80 and t.dropped == 0


async def test_the_queue_is_bounded_and_a_failed_send_keeps_its_batch_for_the_next_flush() -> None:
    fetch = FakeFetch()
    fetch.queue("POST", ENDPOINT, NetworkError("offline"), json_response(503, {}), accepted(), accepted(),
                accepted(), accepted())
    t = make(fetch)
    t._flushing = True  # hold the automatic flush: fill past the bound first
    for n in range(MAX_QUEUE + 25):
        t.record("reconnect", {**RECONNECT, "last_applied_seq": n}, partition="public")
    t._flushing = False
    assert len(t.queue) == MAX_QUEUE and t.dropped == 25  # the oldest went
    assert t.queue[0]["reconnect"]["last_applied_seq"] == 25
    await t.flush()  # no answer: the batch goes back, in order
    assert len(t.queue) == MAX_QUEUE and t.sent == 0
    await t.flush()  # 503: back again
    assert len(t.queue) == MAX_QUEUE and t.queue[0]["reconnect"]["last_applied_seq"] == 25
    await t.flush()
    assert t.sent == MAX_QUEUE and not t.queue
    sent = [e["reconnect"]["last_applied_seq"] for b in posted(fetch)[2:] for e in b]
    assert sent == list(range(25, MAX_QUEUE + 25))  # each once, in order


async def test_a_batch_the_server_refuses_is_dropped_not_retried() -> None:
    fetch = FakeFetch()
    fetch.queue("POST", ENDPOINT, json_response(422, {"message": "x", "error": {"code": "invalid_telemetry",
                                                                                "message": "x"}}))
    t = make(fetch)
    t.record("reconnect", RECONNECT, partition="public")
    await t.flush()
    await t.flush()
    assert len(posted(fetch)) == 1 and t.dropped == 1 and not t.queue


def test_page_hide_hands_everything_to_the_beacon_in_batches_and_keeps_what_it_refuses() -> None:
    beacon = FakeBeacon()
    t = make(beacon=beacon)
    t._flushing = True
    for _ in range(120):
        t.record("reconnect", RECONNECT, partition="public")
    t.page_hidden()
    assert [(url, len(json.loads(body)["events"])) for url, body in beacon.sent] == [(ENDPOINT, 50), (ENDPOINT, 50),
                                                                                     (ENDPOINT, 20)]
    assert t.sent == 120 and t.beacons == 3 and not t.queue
    beacon.accept = False
    t.record("reconnect", RECONNECT, partition="public")
    t.page_hidden()
    assert len(t.queue) == 1 and t.sent == 120  # over the browser's quota: kept for a later flush


async def test_the_periodic_flush_runs_every_ten_seconds() -> None:
    fetch = FakeFetch(handler=accepted)
    gate, never = asyncio.Event(), asyncio.Event()
    clock = FakeClock()

    async def sleep(_s: float) -> None:
        await (gate if len(clock.slept) == 1 else never).wait()  # the first period ends when the test says

    clock.on_sleep = sleep
    t = make(fetch, clock=clock)
    t.start()
    t.record("reconnect", RECONNECT, partition="public")
    await settle()
    assert posted(fetch) == [] and clock.slept == [FLUSH_EVERY_S]
    gate.set()
    await settle()
    assert len(posted(fetch)) == 1 and t.sent == 1 and clock.slept == [FLUSH_EVERY_S] * 2  # and the next period
    t.stop()


class _Sockets:
    """What ``handshake`` reads of a rig."""

    def __init__(self, sockets: FakeSockets) -> None:
        self.sockets = sockets

    def sent(self, index: int = -1) -> list[d.Message]:
        return [decode(frame) for frame in self.sockets.opened[index].sent]


@pytest.fixture
def wired() -> tuple[LiveSync, FakeFetch, FakeSockets, Telemetry, asyncio.Event]:
    fetch, sockets, clock, gate = FakeFetch(), FakeSockets(), FakeClock(), asyncio.Event()

    never = asyncio.Event()

    async def sleep(seconds: float) -> None:
        if seconds >= 30:  # token renewal: not in this test
            await never.wait()
        elif seconds > 0:
            await gate.wait()

    clock.on_sleep = sleep
    telemetry = make(FakeFetch(handler=accepted))
    telemetry._flushing = True  # keep the events in the queue for the test to read
    api = ApiClient(fetch, FakeCookies(), clock)
    sync = LiveSync(lambda name: Channel(name, api=api, fetch=fetch, sockets=sockets, clock=clock,
                                         store=MemoryWatermarks(), dispatch=lambda _i: None, report=telemetry.record))
    return sync, fetch, sockets, telemetry, gate


async def test_the_sync_runtime_reports_a_reconnect_a_stale_cursor_replay_and_an_auth_failure(wired) -> None:
    sync, fetch, sockets, telemetry, gate = wired
    fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    sync.listen(FEED, "/feed")
    await settle()
    rig = _Sockets(sockets)
    await handshake(rig)  # type: ignore[arg-type]
    sockets.last.drop(1006)
    await settle()
    [event] = list(telemetry.queue)
    assert valid(event).reconnect.reason_code == "socket_closed" and event["reconnect"]["attempt"] == 1
    assert event["actor_scope_hash"] == actor_hash("public")

    gate.set()
    await settle()
    await handshake(rig)  # type: ignore[arg-type]
    path = "/api/sync/snapshot?topic=feed%3Apublic"
    fetch.queue("GET", path, json_response(200, {"data": {
        "topic": FEED, "topic_class": "feed", "watermark": 90, "retention_floor": 50, "next_cursor": None,
        "documents": []}}))
    stale = d.SyncError(code=d.SyncErrorCode.STALE_CURSOR, message="stale", retryable=True, close_code=4009,
                        recovery=d.RecoveryHint.REHYDRATE, stale_cursors=(d.StaleCursor(
                            topic=FEED, reason=d.StaleCursorReason.RETENTION_FLOOR_BREACH, requested_watermark=5,
                            retention_floor=50, head_watermark=90, replay_budget=3000,
                            recovery=d.RecoveryHint.REHYDRATE, snapshot_path=path),))
    sockets.last.receive(encode(stale))
    await settle()
    replays = [e for e in telemetry.queue if "replay" in e]
    assert len(replays) == 1 and valid(replays[0]).replay.status == "stale_cursor"
    assert replays[0]["replay"]["head_seq"] == 90 and replays[0]["topic_class"] == "feed"

    envelope = {"message": "Sign in", "error": {"code": "unauthorized", "message": "Sign in"}}
    fetch.queue("POST", "/api/sync/token", json_response(401, envelope))
    fetch.queue("POST", "/api/auth/refresh", json_response(401, envelope))
    sync.set_signed_in(True)
    sync.listen(NOTES, None)
    await settle()
    failures = [e for e in telemetry.queue if "auth_failure" in e]
    assert len(failures) == 1 and valid(failures[0]).auth_failure.http_status == 401
    assert all(valid(e) for e in telemetry.queue)


# ---- storage resets and renderer fallbacks (issue 19: "storage resets, renderer fallback") ------------
def reporting_store(db: FakeKeyValueDb, telemetry: Telemetry) -> SyncStore:
    """As ``entry.py`` wires it: every reset of the store is one ``storage_reset`` event."""
    return SyncStore(db, on_reset=lambda reset: telemetry.storage_reset(reset.telemetry()))


def only(telemetry: Telemetry, kind: str) -> dict[str, Any]:
    events = list(telemetry.queue)
    assert len(events) == 1 and kind in events[0], events  # exactly one event, of this kind
    event = events[0]
    assert getattr(valid(event), kind) is not None  # the server's own contract check
    assert event["actor_scope_hash"] == actor_hash(BROWSER)
    return event[kind]


async def test_a_database_from_a_future_version_is_one_storage_reset_event() -> None:
    t = make()
    s = reporting_store(FakeKeyValueDb(databases={DB_NAME: (SCHEMA_VERSION + 3, {"watermarks": {}})}), t)
    await s.open()
    assert s.durable
    assert only(t, "storage_reset") == {"reason_code": "future_version", "stores": list(STORES),
                                        "watermarks_kept": False, "records_dropped": 0}


async def test_a_deleted_store_is_one_event_that_says_the_watermarks_were_kept() -> None:
    db = FakeKeyValueDb()
    first = SyncStore(db)
    await first.open()
    await first.save("public", "feed:public", 4)
    await first.flush()
    del db.databases[DB_NAME][1]["views"]
    t = make()
    s = reporting_store(db, t)
    await s.open()
    detail = only(t, "storage_reset")
    assert detail["reason_code"] == "deleted_store" and detail["watermarks_kept"] is True


async def test_corrupt_records_are_one_event_naming_the_stores_and_the_records_dropped() -> None:
    db = FakeKeyValueDb()
    first = SyncStore(db)
    await first.open()
    db.databases[DB_NAME][1]["watermarks"]["public" + SEP + "feed:public"] = "{not json"
    db.databases[DB_NAME][1]["documents"]["x"] = "[]"
    t = make()
    await reporting_store(db, t).open()
    assert only(t, "storage_reset") == {"reason_code": "corrupt_record", "stores": ["watermarks", "documents"],
                                        "watermarks_kept": True, "records_dropped": 2}


async def test_a_quota_error_while_writing_is_one_event() -> None:
    db = FakeKeyValueDb()
    t = make()
    s = reporting_store(db, t)
    await s.open()
    db.fail_writes = "quota"
    await s.save("public", "feed:public", 9)
    await s.flush()
    assert only(t, "storage_reset")["reason_code"] == "quota"
    assert only(t, "storage_reset")["watermarks_kept"] is True


async def test_a_sound_database_reports_nothing() -> None:
    t = make()
    await reporting_store(FakeKeyValueDb(), t).open()
    assert not t.queue and t.recorded == {}


@pytest.mark.parametrize(("request_", "adapter", "missing", "reason"), [
    ("webgpu", None, policy.FLAG_OFF, "flag_off"),  # ?gpu=webgpu in a browser without WebGPU
    ("auto", None, policy.NO_ADAPTER, "no_adapter"),
    ("auto", None, policy.ADAPTER_ERROR, "adapter_error"),
    ("webgpu", policy.AdapterInfo("google", "swiftshader", fallback=True), policy.NO_ADAPTER, None),  # WebGPU draws
    ("auto", policy.AdapterInfo("google", "swiftshader", fallback=True), policy.NO_ADAPTER, None),  # the default
    ("auto", policy.AdapterInfo("nvidia", "ampere"), policy.NO_ADAPTER, None),
    ("canvas2d", None, policy.FLAG_OFF, None),  # asked for
])
def test_the_renderer_probe_names_a_fallback_only_where_webgpu_was_wanted(
        request_: str, adapter: policy.AdapterInfo | None, missing: str, reason: str | None) -> None:
    assert policy.fallback(request_, adapter, missing) == reason


@pytest.mark.parametrize("reason", [policy.FLAG_OFF, policy.NO_ADAPTER, policy.ADAPTER_ERROR, policy.DEVICE_ERROR,
                                    policy.DEVICE_LOST])
async def test_a_renderer_fallback_is_one_event_from_webgpu_to_canvas2d(reason: str) -> None:
    fetch = FakeFetch(handler=accepted)
    t = make(fetch)
    t.renderer_fallback(reason)
    assert only(t, "renderer_fallback") == {"from_renderer": policy.WEBGPU, "to_renderer": policy.CANVAS2D,
                                            "reason_code": reason}
    await t.flush()
    assert [len(b) for b in posted(fetch)] == [1] and t.debug()["recorded"] == {"renderer_fallback": 1}
