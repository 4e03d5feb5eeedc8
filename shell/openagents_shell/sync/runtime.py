"""The Khala client's runtime: sockets, sync tokens, timers and watermarks around ``sync/machine.py``.

One :class:`Channel` is one connection: ``public`` (public topics, the anonymous public sync token of
ADR 0700) or ``user`` (the signed-in person's topics, ``POST /api/sync/token`` naming them). A
channel runs one task that takes events from a queue — socket opened / frame / closed, the wanted
topics changed, back online, token renewal due — and feeds them to the protocol machine, then does
what it answers: send frames, apply updates (stored watermark, then a ``LiveEvent`` to the app),
reconnect after the backoff, rehydrate a stale topic from its snapshot, renew the token.

The token is minted for the wanted topics and renewed at 80 % of its lifetime (a fresh socket that
resumes from the watermarks; nothing is replayed twice). Topics added while live are SUBSCRIBEd on
the same socket when the token grants them; otherwise the channel mints a token that does and
reconnects. Imported after the first frame (it needs msgspec and protobuf).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import msgspec
from openagents_proto.errors import ContractError
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d

from openagents_shell.api import types
from openagents_shell.api.client import ApiClient, Ok, SignInNeeded
from openagents_shell.host.base import Clock, Fetch, NetworkError, Sockets
from openagents_shell.sync import live
from openagents_shell.sync.machine import (
    Apply,
    KhalaClient,
    Phase,
    Reconnect,
    Rehydrate,
    ReloadApp,
    RenewToken,
    Send,
)

SOCKET_PATH = "/sync/socket"
SUBPROTOCOL = "khala.ws.v1"
#: A token is renewed when this share of its lifetime has passed.
RENEW_AT = 0.8
SNAPSHOT_PAGE = 500


class WatermarkStore(Protocol):
    """Where watermarks survive a reload (IndexedDB ``openagents.web.sync`` in the browser)."""

    async def load(self, partition: str) -> dict[str, int]: ...
    async def save(self, partition: str, topic: str, watermark: int) -> None: ...
    async def forget(self, partition: str, topic: str) -> None: ...
    async def put_document(self, partition: str, topic: str, doc_key: str, version: int, watermark: int,
                           body: Any) -> None: ...


@dataclass
class MemoryWatermarks:
    """Watermarks for this page's lifetime only (tests, and until IndexedDB answers)."""

    data: dict[str, dict[str, int]] = field(default_factory=dict)

    async def load(self, partition: str) -> dict[str, int]:
        return dict(self.data.get(partition, {}))

    async def save(self, partition: str, topic: str, watermark: int) -> None:
        self.data.setdefault(partition, {})[topic] = watermark

    async def forget(self, partition: str, topic: str) -> None:
        self.data.get(partition, {}).pop(topic, None)

    async def put_document(self, partition: str, topic: str, doc_key: str, version: int, watermark: int,
                           body: Any) -> None:
        pass


@dataclass(frozen=True)
class Minted:
    token: str
    subject: str
    topics: frozenset[str]
    renew_after_s: float


@dataclass
class Stats:
    """What ``/debug`` and the tests read: frames in, updates applied, reconnects, rehydrates."""

    frames: int = 0
    applied: int = 0
    dropped: int = 0
    connects: int = 0
    rehydrates: int = 0
    renewals: int = 0


def encode(message: d.Message) -> bytes:
    return convert.encode_frame(d.Frame(message=message), validate=False)


def decode(data: bytes) -> d.Message | None:
    try:
        return convert.decode_frame(data, max_bytes=None).message
    except ContractError:
        return None


class Report(Protocol):
    def __call__(self, kind: str, detail: dict[str, Any], *, partition: str, topic_class: str = "") -> None: ...


class Channel:
    def __init__(self, name: str, *, api: ApiClient, fetch: Fetch, sockets: Sockets, clock: Clock,
                 store: WatermarkStore, dispatch: Callable[[Any], None], build_id: str = "",
                 now: Callable[[], float] = time.monotonic, report: Report | None = None) -> None:
        self.name = name
        self.api = api
        self.fetch = fetch
        self.sockets = sockets
        self.clock = clock
        self.store = store
        self.dispatch = dispatch
        self.now = now
        self.report = report  # client telemetry (``sync/telemetry.py``): reconnects, auth failures, replays
        self.wanted: tuple[str, ...] = ()
        self.machine = KhalaClient(topics=(), build_id=build_id)
        self.phase = "idle"
        self.online = True
        self.minted: Minted | None = None
        self.partition: str | None = None
        self.socket: Any = None
        self.stats = Stats()
        self._ever_live = False
        self._queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._timers: dict[str, asyncio.Task[None]] = {}
        self.seeds: dict[str, int] = {}  # topic -> resume after this at the latest (Listen.after)
        self.exact: set[str] = set()  # seeded topics that resume exactly there (Listen.exact)
        self._heads: dict[str, int] = {}  # each topic's head when subscribed: updates up to it are a replay

    # ---- from the app ----------------------------------------------------------------------------
    def seed(self, topic: str, after: int, exact: bool = False) -> None:
        """Resume ``topic`` after ``after`` at the latest (a page's snapshot includes everything up to it);
        ``exact``: after ``after`` itself, whatever was stored."""
        self.seeds[topic] = after
        if exact:
            self.exact.add(topic)
        else:
            self.exact.discard(topic)
        self._apply_seeds(topic)

    def _apply_seeds(self, only: str | None = None) -> None:
        for topic, after in self.seeds.items():
            if only is not None and topic != only:
                continue  # a new seed must not pull back topics that have moved on since theirs
            stored = self.machine.watermarks.get(topic)
            exact = topic in self.exact or stored is None
            self.machine.watermarks[topic] = after if exact else min(stored, after)  # type: ignore[type-var]

    def want(self, topics: set[str] | frozenset[str]) -> None:
        wanted = tuple(sorted(topics))
        if wanted == self.wanted:
            return
        self.wanted = wanted
        self._post("topics")

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self._post("online" if online else "offline")

    def reconnect(self) -> None:
        """``/debug``'s "reconnect" button: a fresh socket now (resuming from the watermarks)."""
        self._post("reconnect")

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        if self._task is not None:
            self._task.cancel()
        self._close(1000, "stopped")

    # ---- the loop --------------------------------------------------------------------------------
    def _post(self, *event: Any) -> None:
        self._queue.put_nowait(event)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self._handle(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the channel
                self._set_phase("reconnecting")
                self._close(4000, "client_error")
                self._later("connect", self._backoff())
                print(f"khala {self.name}: {type(exc).__name__}: {exc}")

    async def _handle(self, event: tuple[Any, ...]) -> None:
        kind = event[0]
        if kind == "topics":
            await self._topics_changed()
        elif kind == "connect":
            await self._connect()
        elif kind == "open":
            if event[1] is self.socket and self.minted is not None:
                self.stats.connects += 1
                await self._act(self.machine.open(self.minted.token))
        elif kind == "frame":
            if event[1] is self.socket:
                await self._frame(event[2])
        elif kind == "closed":
            if event[1] is self.socket:
                self.socket = None
                self._cancel("renew")
                await self._act(self.machine.closed(self.now(), self.clock.random()))
        elif kind == "online":
            self._cancel("connect")
            if self.wanted and self.socket is None:
                await self._act(self.machine.online())
            elif self.wanted and self.machine.phase == Phase.LIVE:
                self._set_phase("live")
        elif kind == "offline":
            if self.wanted and self.socket is None:  # an idle channel stays idle; a live socket says live
                self._set_phase("offline")
        elif kind == "reconnect":
            self._close(1000, "reconnect")
            self.machine.attempt = 0
            await self._connect()
        elif kind == "renew":
            self.stats.renewals += 1
            self.minted = None
            self._close(1000, "token_renewal")
            await self._connect()

    async def _topics_changed(self) -> None:
        wanted = set(self.wanted)
        if not wanted:
            self._close(1000, "no_topics")
            self._cancel("connect")
            self._cancel("renew")
            self.machine.topics = ()
            self._set_phase("idle")
            return
        old = set(self.machine.topics)
        self.machine.topics = self.wanted
        if self.socket is not None and self.machine.phase == Phase.LIVE and self.minted is not None \
                and wanted <= self.minted.topics:
            added, removed = sorted(wanted - old), sorted(old - wanted)
            if removed:
                self._send(d.Unsubscribe(topics=tuple(removed)))
            if added:
                cursors = tuple(c for c in self.machine.cursors() if c.topic in added)
                self._send(d.Subscribe(topics=tuple(added), resume_after=cursors))
            return
        if self.minted is not None and not wanted <= self.minted.topics:
            self.minted = None
        self._close(1000, "topics_changed")
        self._cancel("connect")
        await self._connect()

    async def _connect(self) -> None:
        self._cancel("connect")
        if not self.wanted or self.socket is not None:
            return
        # Offline (as the browser or the last request says) is not a reason to stop trying: the backoff
        # (≤ 8 s) keeps knocking, and the first answer that comes back is what says "online" again.
        if self.minted is None:
            minted = await self._mint()
            if minted is None:
                return
            self.minted = minted
            # public: one partition (each public token has a fresh anonymous subject); user: the person
            partition = "public" if self.name == "public" else f"user:{minted.subject}"
            if partition != self.partition:
                self.partition = partition
                self.machine.watermarks = await self.store.load(partition)
                self._apply_seeds()
        self._set_phase("reconnecting" if self._ever_live else "connecting")
        self.machine.topics = self.wanted
        conn = self.socket = _Conn()
        conn.socket = self.sockets.connect(
            SOCKET_PATH, SUBPROTOCOL, lambda: self._post("open", conn), lambda data: self._post("frame", conn, data),
            lambda code, reason: self._post("closed", conn, code, reason))

    def _partition_key(self) -> str:
        return self.partition or self.name

    async def _mint(self) -> Minted | None:
        if self.name == "public":
            outcome = await self.api.request("POST", "/api/sync/public-token", types.SyncToken)
        else:
            outcome = await self.api.request("POST", "/api/sync/token", types.SyncToken,
                                             types.SyncTokenRequest(topics=list(self.wanted)))
        if isinstance(outcome, Ok):
            data: types.SyncToken = outcome.data
            return Minted(data.token, data.subject, frozenset(t.topic for t in data.granted_topics),
                          max(5.0, data.expires_in_seconds * RENEW_AT))
        if isinstance(outcome, SignInNeeded):
            self._report("auth_failure", {"http_status": 401, "reason_code": "sign_in_needed",
                                          "refresh_attempted": True})
            self.machine.phase = Phase.SIGN_IN_NEEDED
            self._set_phase("sign_in_needed")
            return None
        # unavailable, rate limited, a refused topic: try again after the backoff
        delay = max(self._backoff(), float(getattr(outcome, "retry_after_s", 0.0)))
        self._report_reconnect(delay, "token_unavailable")
        self._set_phase("reconnecting" if self._ever_live else "connecting")
        self._later("connect", delay)
        return None

    def _report(self, kind: str, detail: dict[str, Any], topic: str = "") -> None:
        if self.report is None:
            return
        from openagents_proto.sync.limits import topic_class_for

        klass = topic_class_for(topic) if topic else None
        try:
            self.report(kind, detail, partition=self.partition or self.name, topic_class=klass.name if klass else "")
        except Exception as exc:  # noqa: BLE001 - telemetry never breaks the connection
            print(f"telemetry: {type(exc).__name__}: {exc}")

    def _report_reconnect(self, after_s: float, reason: str) -> None:
        marks = self.machine.watermarks
        self._report("reconnect", {"attempt": max(1, self.machine.attempt), "backoff_ms": int(after_s * 1000),
                                   "resumed": bool(marks), "last_applied_seq": max(marks.values(), default=0),
                                   "reason_code": reason})

    def _backoff(self) -> float:
        from openagents_shell.sync.machine import backoff_s

        delay = backoff_s(self.machine.attempt, self.clock.random())
        self.machine.attempt += 1
        return delay

    async def _frame(self, data: bytes) -> None:
        self.stats.frames += 1
        message = decode(data)
        if message is None:
            return
        if isinstance(message, d.HelloOk) and self.minted is not None:
            self._later("renew", self.minted.renew_after_s)
        actions = self.machine.receive(message, self.now(), self.clock.random())
        if isinstance(message, d.Subscribed):
            self._heads.update({c.topic: c.watermark for c in message.head_watermarks})
        if isinstance(message, d.Subscribed) and self.machine.phase == Phase.LIVE:
            self._ever_live = True
            self._set_phase("live")
        if isinstance(message, d.UpdateBatch):
            self.stats.dropped += len(message.updates) - sum(isinstance(a, Apply) for a in actions)
        await self._act(actions)

    async def _act(self, actions: list[Any]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self._send(action.message)
            elif isinstance(action, Apply):
                await self._apply(action.update)
            elif isinstance(action, Rehydrate):
                await self._rehydrate(action.topic, action.snapshot_path)
            elif isinstance(action, Reconnect):
                self._report_reconnect(action.after_s, "socket_closed" if self.online else "offline")
                self._close(1000, "reconnect")
                self._set_phase("offline" if not self.online else "reconnecting")
                self._later("connect", action.after_s)
            elif isinstance(action, RenewToken):
                self._close(1000, "reauthenticate")
                self.minted = None
                self.machine.phase = Phase.OFFLINE
                self._later("connect", 0.0)
            elif isinstance(action, ReloadApp):
                self._close(1000, "upgrade")
                self._set_phase("upgrade_needed")

    async def _apply(self, update: d.Update) -> None:
        self.stats.applied += 1
        await self.store.save(self._partition_key(), update.topic, update.watermark)
        try:
            body = update.body()
        except ContractError:
            body = None
        if live.keeps_documents(update.topic):
            await self.store.put_document(self._partition_key(), update.topic, update.doc_key, update.doc_version,
                                          update.watermark, body)
        self.dispatch(live.LiveEvent(update.topic, update.doc_key, update.doc_version, update.watermark, body,
                                     replay=update.watermark <= self._heads.get(update.topic, 0)))

    async def _rehydrate(self, topic: str, path: str) -> None:
        """Load the topic's projection page by page, hand it to the page, resume after its watermark."""
        self.stats.rehydrates += 1
        assert self.minted is not None
        started = self.now()
        requested = self.machine.watermarks.get(topic, 0)
        await self.store.forget(self._partition_key(), topic)
        self.dispatch(live.LiveReset(topic))
        after: str | None = None
        watermark = 0
        while True:
            url = path if after is None else f"{path}&after={quote(after, safe='')}"
            try:
                answer = await self.fetch.fetch("GET", url, {"accept": "application/json",
                                                             "authorization": f"Bearer {self.minted.token}"}, None)
            except NetworkError:
                return  # the reconnect after it tries again (from 0: the watermark was dropped)
            if answer.status != 200:
                return
            page = msgspec.json.decode(answer.body, type=_SnapshotData).data
            watermark = max(watermark, page.watermark)
            for doc in page.documents:
                self.dispatch(live.LiveEvent(topic, doc.doc_key, doc.doc_version or 0, doc.seq, doc.payload,
                                             replay=True))
            if not page.next_cursor:
                break
            after = page.next_cursor
        self.machine.rehydrated(topic, watermark)
        await self.store.save(self._partition_key(), topic, watermark)
        self._report("replay", {"status": "stale_cursor", "requested_after_seq": requested, "head_seq": watermark,
                                "catchup_duration_ms": int((self.now() - started) * 1000)}, topic)

    def _send(self, message: d.Message) -> None:
        if self.socket is not None:
            self.socket.send(encode(message))

    def _close(self, code: int, reason: str) -> None:
        socket, self.socket = self.socket, None
        self._cancel("renew")
        if socket is not None:
            socket.close(code, reason)
            if self.machine.phase == Phase.LIVE:
                self.machine.phase = Phase.OFFLINE

    def _set_phase(self, phase: str) -> None:
        if phase != self.phase:
            self.phase = phase
            self.dispatch(live.SyncPhase(self.name, phase))

    def _later(self, name: str, seconds: float) -> None:
        self._cancel(name)

        async def fire() -> None:
            await self.clock.sleep(seconds)
            self._timers.pop(name, None)
            self._post(name)

        self._timers[name] = asyncio.ensure_future(fire())

    def _cancel(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()


class _Conn:
    """One connection attempt: events carry it, so a late event of a socket already left is ignored."""

    __slots__ = ("socket",)

    def __init__(self) -> None:
        self.socket: Any = None

    def send(self, data: bytes) -> None:
        self.socket.send(data)

    def close(self, code: int, reason: str) -> None:
        if self.socket is not None:
            self.socket.close(code, reason)


class _SnapshotData(msgspec.Struct):
    data: types.SnapshotPage


class LiveSync:
    """The app's two channels and the listens that decide their topics.

    ``listen``/``unlisten`` follow the reducer's :class:`live.Listen`/:class:`live.Unlisten` effects;
    ``navigated`` drops the listens of pages the person left; ``signed_in`` says whether the user
    channel may connect at all.
    """

    def __init__(self, make_channel: Callable[[str], Channel]) -> None:
        self.channels = {name: make_channel(name) for name in ("public", "user")}
        self.listens: dict[str, str | None] = {}
        self.signed_in = False

    def listen(self, topic: str, scope: str | None, after: int | None = None, exact: bool = False) -> None:
        if after is not None and topic not in self.listens:
            self.channels["public" if live.is_public(topic) else "user"].seed(topic, after, exact)
        if self.listens.get(topic, "") is None:
            return  # an app-wide listen stays app-wide
        self.listens[topic] = scope
        self._update()

    def unlisten(self, topic: str) -> None:
        if self.listens.pop(topic, "") != "":
            self._update()

    def navigated(self, path: str) -> None:
        stale = [t for t, scope in self.listens.items() if scope is not None and scope != path]
        for topic in stale:
            del self.listens[topic]
            for channel in self.channels.values():
                channel.seeds.pop(topic, None)
                channel.exact.discard(topic)
        if stale:
            self._update()

    def set_signed_in(self, signed_in: bool) -> None:
        if signed_in != self.signed_in:
            self.signed_in = signed_in
            self._update()

    def set_online(self, online: bool) -> None:
        for channel in self.channels.values():
            channel.set_online(online)

    def reconnect(self) -> None:
        for channel in self.channels.values():
            if channel.wanted:
                channel.reconnect()

    def _update(self) -> None:
        public = {t for t in self.listens if live.is_public(t)}
        private = {t for t in self.listens if not live.is_public(t)} if self.signed_in else set()
        self.channels["public"].want(public)
        self.channels["user"].want(private)

    def debug(self) -> dict[str, Any]:
        return {name: {"phase": ch.phase, "topics": list(ch.wanted), "watermarks": dict(ch.machine.watermarks),
                       "frames": ch.stats.frames, "applied": ch.stats.applied, "dropped": ch.stats.dropped,
                       "connects": ch.stats.connects, "rehydrates": ch.stats.rehydrates,
                       "renewals": ch.stats.renewals, "attempt": ch.machine.attempt}
                for name, ch in self.channels.items()}

