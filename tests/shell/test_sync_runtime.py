"""The Khala client's runtime against the fake host: tokens, sockets, listens, exactly-once events,
reconnects, token renewal, topic changes on a live socket, rehydrate, sign-in needed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from openagents_shell.api.client import ApiClient
from openagents_shell.host.fake import FakeClock, FakeCookies, FakeFetch, FakeSockets, json_response
from openagents_shell.sync import live
from openagents_shell.sync.runtime import Channel, LiveSync, MemoryWatermarks, decode, encode

FEED = "feed:public"
NOTES = "user:u1:notifications"
HELLO_OK = d.HelloOk(connection_id="c1", protocol_version="khala.ws.v1", schema_version=1, heartbeat_interval_ms=15000,
                     idle_timeout_ms=60000, max_inbound_frame_bytes=65536, max_batch_updates=100)


def token(subject: str, topics: list[str], ttl: int = 300, name: str = "t1") -> dict[str, Any]:
    return {"data": {"token": name, "token_type": "Bearer", "expires_in_seconds": ttl, "subject": subject,
                     "granted_topics": [{"topic": t, "required_scope": "x"} for t in topics]}}


def update(seq: int, topic: str = FEED) -> d.Update:
    return d.Update.build(topic=topic, doc_key=f"doc{seq}", doc_version=1, body={"n": seq}, watermark=seq)


def batch(*updates: d.Update) -> bytes:
    """An UPDATE_BATCH frame as the server sends it (its topic, and the last watermark as its seq)."""
    return convert.encode_frame(d.Frame(message=d.UpdateBatch(updates=updates), topic=updates[0].topic,
                                        seq=updates[-1].watermark))


class Rig:
    def __init__(self) -> None:
        self.fetch = FakeFetch()
        self.sockets = FakeSockets()
        self.clock = FakeClock()
        self.gate = asyncio.Event()  # backoff timers wait for the test to release them
        self.long_gate = asyncio.Event()  # and token renewals (≥ 30 s) for this one
        self.clock.on_sleep = self._sleep
        self.store = MemoryWatermarks()
        self.intents: list[Any] = []
        api = ApiClient(self.fetch, FakeCookies(), self.clock)
        self.sync = LiveSync(lambda name: Channel(name, api=api, fetch=self.fetch, sockets=self.sockets,
                                                  clock=self.clock, store=self.store, dispatch=self.intents.append))

    async def _sleep(self, seconds: float) -> None:
        if seconds >= 30:
            await self.long_gate.wait()
        elif seconds > 0:
            await self.gate.wait()

    def events(self) -> list[live.LiveEvent]:
        return [i for i in self.intents if isinstance(i, live.LiveEvent)]

    def phases(self, channel: str = "public") -> list[str]:
        return [i.phase for i in self.intents if isinstance(i, live.SyncPhase) and i.channel == channel]

    def sent(self, index: int = -1) -> list[d.Message]:
        return [decode(frame) for frame in self.sockets.opened[index].sent]


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def handshake(rig: Rig, socket_index: int = -1, heads: tuple[d.TopicCursor, ...] = ()) -> None:
    socket = rig.sockets.opened[socket_index]
    socket.open()
    await settle()
    socket.receive(encode(HELLO_OK))
    await settle()
    subscribe = rig.sent(socket_index)[-1]
    assert isinstance(subscribe, d.Subscribe)
    socket.receive(encode(d.Subscribed(request_id="", topics=subscribe.topics, head_watermarks=heads)))
    await settle()


@pytest.fixture
def rig() -> Rig:
    return Rig()


async def test_a_public_listen_mints_the_public_token_connects_and_delivers_each_update_once(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, "/feed")
    await settle()
    assert [s.path for s in rig.sockets.opened] == ["/sync/socket"]
    assert rig.sockets.last.protocol == "khala.ws.v1"
    await handshake(rig)
    hello, subscribe = rig.sent()
    assert isinstance(hello, d.Hello) and hello.sync_token == "t1"
    assert subscribe.topics == (FEED,) and subscribe.resume_after == ()
    assert rig.phases() == ["connecting", "live"]

    rig.sockets.last.receive(batch(update(1), update(2)))
    rig.sockets.last.receive(batch(update(2), update(3)))  # 2 again: dropped
    await settle()
    assert [(e.topic, e.watermark, e.body) for e in rig.events()] == [(FEED, 1, {"n": 1}), (FEED, 2, {"n": 2}),
                                                                      (FEED, 3, {"n": 3})]
    assert rig.store.data == {"public": {FEED: 3}}
    assert rig.sync.debug()["public"]["dropped"] == 1


async def test_leaving_the_page_ends_its_listen_and_closes_the_socket(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, "/feed")
    await settle()
    await handshake(rig)
    rig.sync.navigated("/feed")  # same page: stays
    await settle()
    assert rig.sockets.last.closed is None
    rig.sync.navigated("/")
    await settle()
    assert rig.sockets.last.closed == (1000, "no_topics")
    assert rig.phases()[-1] == "idle"


async def test_an_app_wide_listen_survives_navigation(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, None)
    rig.sync.listen(FEED, "/feed")  # a page asking again does not narrow it
    rig.sync.navigated("/elsewhere")
    await settle()
    assert rig.sync.channels["public"].wanted == (FEED,)


async def test_a_dropped_socket_reconnects_after_the_backoff_and_resumes_from_the_watermark(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, "/feed")
    await settle()
    await handshake(rig)
    rig.sockets.last.receive(batch(update(1), update(2)))
    await settle()
    rig.sockets.last.drop(1006)
    await settle()
    assert rig.phases()[-1] == "reconnecting"
    assert rig.clock.slept[-1] == pytest.approx(0.75 * 0.75)  # 750 ms × 2⁰, jitter ½ + ½·0.5
    assert len(rig.sockets.opened) == 1
    rig.gate.set()
    await settle()
    assert len(rig.sockets.opened) == 2  # the token is still good: no new mint
    await handshake(rig)
    subscribe = rig.sent()[-1]
    assert subscribe.resume_after == (d.TopicCursor(topic=FEED, watermark=2),)
    rig.sockets.last.receive(batch(update(2), update(3)))
    await settle()
    assert [e.watermark for e in rig.events()] == [1, 2, 3]
    assert rig.phases()[-1] == "live"


async def test_a_reload_resumes_from_the_stored_watermarks(rig: Rig) -> None:
    rig.store.data["public"] = {FEED: 41}
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, "/feed")
    await settle()
    await handshake(rig)
    assert rig.sent()[-1].resume_after == (d.TopicCursor(topic=FEED, watermark=41),)


async def test_user_topics_wait_for_a_sign_in_and_mint_a_token_naming_them(rig: Rig) -> None:
    rig.sync.listen(NOTES, None)
    await settle()
    assert rig.sockets.opened == []  # signed out: no user socket
    rig.fetch.queue("POST", "/api/sync/token", json_response(200, token("u1", [NOTES])))
    rig.sync.set_signed_in(True)
    await settle()
    method, path, _headers, body = rig.fetch.seen[-1]
    assert (method, path) == ("POST", "/api/sync/token") and b'"topics":["user:u1:notifications"]' in body
    await handshake(rig)
    assert rig.phases("user") == ["connecting", "live"]


async def test_a_revoked_session_ends_in_sign_in_needed(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/token", json_response(200, token("u1", [NOTES])))
    rig.sync.set_signed_in(True)
    rig.sync.listen(NOTES, None)
    await settle()
    await handshake(rig)
    revoked = d.SyncError(code=d.SyncErrorCode.REAUTH_REQUIRED, message="session was revoked", retryable=False,
                          close_code=4010, recovery=d.RecoveryHint.REAUTHENTICATE)
    envelope = {"message": "Sign in", "error": {"code": "unauthorized", "message": "Sign in"}}
    rig.fetch.queue("POST", "/api/sync/token", json_response(401, envelope))
    rig.fetch.queue("POST", "/api/auth/refresh", json_response(401, envelope))
    rig.sockets.last.receive(encode(revoked))
    rig.sockets.last.drop(4010, "reauth_required")
    await settle()
    assert rig.phases("user")[-1] == "sign_in_needed"
    assert len(rig.sockets.opened) == 1


async def test_an_expiring_token_is_renewed_on_a_fresh_socket(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED], ttl=100)),
                    json_response(200, token("anon_2", [FEED], name="t2")))
    rig.sync.listen(FEED, "/feed")
    await settle()
    await handshake(rig)
    assert 80.0 in rig.clock.slept  # renewal at 80 % of the lifetime
    rig.sockets.last.receive(batch(update(1)))
    await settle()
    rig.long_gate.set()
    await settle()
    assert rig.sockets.opened[0].closed == (1000, "token_renewal")
    await handshake(rig)
    assert rig.sent()[0].sync_token == "t2"
    # a new anonymous subject keeps the public watermarks: a resume, not a replay
    assert rig.sent()[-1].resume_after == (d.TopicCursor(topic=FEED, watermark=1),)


async def test_a_topic_the_token_grants_is_subscribed_on_the_same_socket(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/token", json_response(200, token("u1", [NOTES, "user:u1:workers"])))
    rig.sync.set_signed_in(True)
    rig.sync.listen(NOTES, None)
    await settle()
    await handshake(rig)
    rig.sync.listen("user:u1:workers", "/workers")
    await settle()
    assert len(rig.sockets.opened) == 1
    assert rig.sent()[-1] == d.Subscribe(topics=("user:u1:workers",))
    rig.fetch.queue("POST", "/api/sync/token", json_response(200, token("u1", [NOTES, "run:r1:events"])))
    rig.sync.listen("run:r1:events", "/workers")  # not granted: a new token and a new socket
    await settle()
    assert len(rig.sockets.opened) == 2 and rig.sockets.opened[0].closed == (1000, "topics_changed")


async def test_a_stale_cursor_rehydrates_from_the_snapshot_then_resumes_after_it(rig: Rig) -> None:
    rig.store.data["public"] = {FEED: 5}
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, "/feed")
    await settle()
    await handshake(rig)
    path = "/api/sync/snapshot?topic=feed%3Apublic"
    rig.fetch.queue("GET", path, json_response(200, {"data": {
        "topic": FEED, "topic_class": "feed", "watermark": 90, "retention_floor": 50, "next_cursor": None,
        "documents": [{"doc_key": "s1", "doc_version": 1, "seq": 88, "kind": "upsert", "payload": {"text": "hi"},
                       "payload_hash": "x"}]}}))
    stale = d.SyncError(code=d.SyncErrorCode.STALE_CURSOR, message="stale", retryable=True, close_code=4009,
                        recovery=d.RecoveryHint.REHYDRATE, stale_cursors=(d.StaleCursor(
                            topic=FEED, reason=d.StaleCursorReason.RETENTION_FLOOR_BREACH, requested_watermark=5,
                            retention_floor=50, head_watermark=90, replay_budget=3000,
                            recovery=d.RecoveryHint.REHYDRATE, snapshot_path=path),))
    rig.sockets.last.receive(encode(stale))
    await settle()
    assert isinstance(rig.intents[-2], live.LiveReset) or any(isinstance(i, live.LiveReset) for i in rig.intents)
    assert [(e.doc_key, e.body) for e in rig.events()] == [("s1", {"text": "hi"})]
    assert rig.fetch.seen[-1][2]["authorization"] == "Bearer t1"
    rig.gate.set()
    await settle()
    await handshake(rig)
    assert rig.sent()[-1].resume_after == (d.TopicCursor(topic=FEED, watermark=90),)


async def test_offline_keeps_the_backoff_and_online_reconnects_at_once(rig: Rig) -> None:
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon_1", [FEED])))
    rig.sync.listen(FEED, "/feed")
    await settle()
    await handshake(rig)
    rig.sync.set_online(False)
    rig.sockets.last.drop(1006)
    await settle()
    assert rig.phases()[-1] == "offline"
    assert rig.clock.slept[-1] < 1.0  # still knocking, after the backoff (the answer says "online")
    rig.sync.set_online(True)
    await settle()
    assert len(rig.sockets.opened) == 2


def test_the_header_shows_the_worst_connection_state() -> None:
    assert live.overall({"public": "live", "user": "idle"}) == "live"
    assert live.overall({"public": "live", "user": "reconnecting"}) == "reconnecting"
    assert live.overall({"public": "idle", "user": "idle"}) == "idle"
    assert live.overall({"public": "live"}, online=False) == "offline"
    assert live.overall({"user": "sign_in_needed", "public": "live"}) == "sign_in_needed"


async def test_a_listen_after_a_snapshot_resumes_exactly_after_the_snapshots_watermark(rig: Rig) -> None:
    worker = "worker:w1:events"
    rig.sync.set_signed_in(True)
    rig.fetch.queue("POST", "/api/sync/token", json_response(200, token("u1", [worker])))
    rig.sync.listen(worker, "/chat/thr_1", after=57)  # the thread snapshot includes the topic up to 57
    await settle()
    await handshake(rig)
    assert rig.sent()[-1].resume_after == (d.TopicCursor(topic=worker, watermark=57),)
    rig.sockets.last.receive(batch(update(58, worker)))
    await settle()
    assert [e.watermark for e in rig.events()] == [58]


async def test_a_stored_watermark_behind_the_snapshot_wins_so_nothing_is_skipped(rig: Rig) -> None:
    worker = "worker:w1:events"
    rig.store.data["user:u1"] = {worker: 40}
    rig.sync.set_signed_in(True)
    rig.fetch.queue("POST", "/api/sync/token", json_response(200, token("u1", [worker])))
    rig.sync.listen(worker, "/chat/thr_1", after=57)
    await settle()
    await handshake(rig)
    assert rig.sent()[-1].resume_after == (d.TopicCursor(topic=worker, watermark=40),)
async def test_an_exact_listen_resumes_after_the_pages_watermark_even_when_a_lower_one_is_stored(rig: Rig) -> None:
    """The feed's first page is its whole truth (ADR 0702): an old visit's stored watermark must not
    replay what the page already holds."""
    rig.store.data["public"] = {"feed:public": 40}
    rig.fetch.queue("POST", "/api/sync/public-token", json_response(200, token("anon", ["feed:public"])))
    rig.sync.listen("feed:public", "/feed", after=57, exact=True)
    await settle()
    await handshake(rig)
    assert rig.sent()[-1].resume_after == (d.TopicCursor(topic="feed:public", watermark=57),)


async def test_going_offline_leaves_an_idle_channel_idle(rig: Rig) -> None:
    rig.sync.set_online(False)
    await settle()
    rig.sync.set_online(True)
    await settle()
    assert rig.sync.channels["public"].phase == "idle" and rig.phases() == []
