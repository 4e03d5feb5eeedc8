"""Subscriptions on this node, and delivery from the log to them: the registry and the dispatcher.

What the hub does not do lives beside it: socket admission and node stats (``cluster``), the periodic
head check (``heads``), the socket index and revocation (``sockets``), wake-ups (``fanout``). It knows
a connection only through the small :class:`Subscriber` protocol below.

One ``TopicFeed`` per topic with local subscribers reads new events from the log once per wake-up
and encodes **one** frame that every live subscriber of the topic receives (encode once per
publish, not once per socket).

Each ``Subscription`` tracks ``last_sent``, the highest seq queued to its socket. A subscription is
either *pumping* (replaying or catching up straight from the log, at its own pace) or *live*
(taking the feed's frames). A live subscription takes a feed frame only if it continues exactly
where the subscription stands; frames it already has are dropped, and a gap switches it back to
pumping, which reads the missing seqs from the log. That one rule gives the replay→live switch
with no gap and no duplicate, whatever the timing of wake-ups and reads.

Live frames are tagged with their seq range. When a subscriber's previous live frame is still
waiting in its queue, the feed's next events are merged into it (``Writer.replace_tail``) instead of
queued behind it. The merged frame is encoded once per distinct range and shared by every
subscriber in the same position, so encoding stays per publish, not per socket, while a busy node
sends fewer, larger frames to the sockets that fall behind.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import asyncpg
import structlog
from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_BATCH_UPDATES

from openagents_server.khala import codec, codes, log
from openagents_server.khala.cluster import ClusterMembership
from openagents_server.khala.codes import KhalaClose
from openagents_server.khala.fanout import Fanout
from openagents_server.khala.heads import HeadWatch
from openagents_server.khala.metrics import Metrics
from openagents_server.khala.sockets import SocketIndex
from openagents_server.khala.topics import Topic

if TYPE_CHECKING:
    from openagents_server.khala.connection import Connection
    from openagents_server.khala.writer import Writer


class Subscriber(Protocol):
    """What the hub needs of a connection: its queue, its subscriptions, and how to end it."""

    id: str
    writer: Writer
    subscriptions: dict[str, Subscription]

    def terminate(self, close: KhalaClose) -> None: ...
    def evict_slow(self) -> None: ...

_log = structlog.get_logger("openagents.khala.hub")

#: anchor: UPDATE_BATCH holds at most 200 updates (and at most MAX_BATCH_BYTES, ours).
BATCH_LIMIT = MAX_BATCH_UPDATES


@dataclass(eq=False)
class Subscription:
    conn: Connection  # the full connection (stale-cursor closes need its protocol helpers)
    topic: Topic
    last_sent: int
    live: bool = False
    #: Highest seq this subscription knows exists (from feed frames it could not take).
    pending_high: int = 0
    #: The topic's head when the subscription was made (head watermarks never report less).
    head: int = 0
    pump_task: asyncio.Task[None] | None = None


@dataclass(eq=False)
class TopicFeed:
    topic: Topic
    subscribers: set[Subscription] = field(default_factory=set)
    #: Highest seq this node read from the log for this topic (None until the first SUBSCRIBE sets it).
    read_through: int | None = None
    dirty: bool = False
    task: asyncio.Task[None] | None = None
    #: The last ≤ 200 events dispatched (contiguous seqs): what a merged live frame is built from.
    recent: deque[log.Event] = field(default_factory=lambda: deque(maxlen=BATCH_LIMIT))


class Hub:
    def __init__(self, pool: asyncpg.Pool, fanout: Fanout, metrics: Metrics | None = None,
                 poll_interval: float = 1.0) -> None:
        self.pool = pool
        self.poll_interval = poll_interval
        self.fanout = fanout
        self.metrics = metrics or Metrics()
        self.feeds: dict[str, TopicFeed] = {}
        self.sockets = SocketIndex()
        self.cluster = ClusterMembership(pool, self.stats)
        self.heads = HeadWatch(pool, poll_interval, self._read_through, self._wake_topic)

    @property
    def node_id(self) -> str:
        return self.cluster.node_id

    @property
    def connections(self) -> set[Connection]:
        return self.sockets.all  # type: ignore[return-value]

    async def start(self) -> None:
        await self.fanout.start(self.on_event, self.on_revoke, self.on_reset)
        self.cluster.start()
        self.heads.start()

    def stats(self) -> dict[str, object]:
        """This node's live gauges and counters."""
        return {
            "node_id": self.cluster.node_id,
            "connections": len(self.sockets.all),
            "subscriptions": sum(len(c.subscriptions) for c in self.connections),
            "topics": len(self.feeds),
            **self.metrics.snapshot(),
        }

    async def publish_stats(self) -> None:
        await self.cluster.publish_stats()

    async def check_heads(self) -> None:
        await self.heads.check()

    def _read_through(self) -> dict[str, int]:
        return {name: feed.read_through for name, feed in self.feeds.items() if feed.read_through is not None}

    def _wake_topic(self, topic: str) -> None:
        feed = self.feeds.get(topic)
        if feed is not None:
            self._wake(feed)

    async def stop(self) -> None:
        self.heads.stop()
        await self.cluster.stop()
        await self.fanout.stop()
        self.sockets.terminate_all(KhalaClose(codes.SERVER_RESTART))
        for feed in self.feeds.values():
            if feed.task:
                feed.task.cancel()

    # -- connections ------------------------------------------------------------------------------

    def add_connection(self, conn: Connection, session_id: str, user_id: str) -> None:
        """Index a connection by session (revocation) and user (the per-user cap is in ``admit``)."""
        self.sockets.add(conn, session_id, user_id)

    async def admit(self, conn: Connection, session_id: str, user_id: str, cap: int) -> tuple[bool, bool]:
        """Is the session revoked, and may this user open one more socket on the cluster? (``cluster``)"""
        return await self.cluster.admit(conn.id, session_id, user_id, cap)

    async def release(self, conn: Connection) -> None:
        await self.cluster.release(conn.id)

    def remove_connection(self, conn: Connection) -> None:
        self.sockets.remove(conn)
        for sub in list(conn.subscriptions.values()):
            self.unsubscribe(sub)

    # -- subscriptions ----------------------------------------------------------------------------

    def subscribe(self, conn: Connection, topic: Topic, watermark: int, head: int) -> Subscription:
        """Register first, then pump from the log: nothing committed later can be missed."""
        feed = self.feeds.get(topic.name)
        if feed is None:
            feed = self.feeds[topic.name] = TopicFeed(topic)
        if feed.read_through is None:
            feed.read_through = head
        sub = Subscription(conn, topic, last_sent=watermark, head=head)
        feed.subscribers.add(sub)
        conn.subscriptions[topic.name] = sub
        self._start_pump(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub.conn.subscriptions.pop(sub.topic.name, None)
        if sub.pump_task and not sub.pump_task.done():
            sub.pump_task.cancel()
        feed = self.feeds.get(sub.topic.name)
        if feed is not None:
            feed.subscribers.discard(sub)
            if not feed.subscribers:
                if feed.task and not feed.task.done():
                    feed.task.cancel()
                del self.feeds[sub.topic.name]

    def head_of(self, sub: Subscription) -> int:
        """The topic's head watermark as this node knows it: what a batch's ``head_watermarks`` and a
        heartbeat report (ahead of ``last_sent`` while a replay is under way)."""
        feed = self.feeds.get(sub.topic.name)
        read = feed.read_through if feed is not None and feed.read_through is not None else 0
        return max(sub.head, sub.pending_high, sub.last_sent, read)

    def _start_pump(self, sub: Subscription) -> None:
        sub.live = False
        sub.pump_task = asyncio.create_task(self._pump(sub), name=f"khala-pump-{sub.topic.name}")

    async def _pump(self, sub: Subscription) -> None:
        """Replay (or catch up) from the log in batches of ≤ 200 updates and ≤ MAX_BATCH_BYTES, then go live."""
        conn, topic = sub.conn, sub.topic
        replayed = 0
        try:
            while True:
                await conn.writer.wait_for_room()
                # One row of look-ahead tells whether this batch ends the replay (even when the
                # backlog is an exact multiple of the batch size).
                events = await log.read(self.pool, topic.name, after=sub.last_sent, limit=BATCH_LIMIT + 1)
                final = len(events) <= BATCH_LIMIT
                events = events[:BATCH_LIMIT]
                if events and events[0].seq != sub.last_sent + 1:
                    # Retention pruned what we were about to replay: the cursor went stale under us.
                    states = await log.topic_states(self.pool, [topic.name])
                    state = states.get(topic.name)
                    conn.terminate(conn.stale_close([conn.stale_cursor(
                        topic, sub.last_sent, state.floor if state else 0, state.head if state else 0,
                        codes.REASON_RETENTION_FLOOR_BREACH)]))
                    return
                runs = codec.split_batches(topic.name, events, conn.writer.max_frame_bytes) if events else []
                for index, run in enumerate(runs):
                    if index:
                        await conn.writer.wait_for_room()
                    head = max(self.head_of(sub), events[-1].seq)  # the topic's head, not this batch's end
                    frame = codec.encode_batch(topic.name, run, head, replay_complete=final and index == len(runs) - 1)
                    if not conn.writer.push(topic.name, frame):
                        conn.evict_slow()
                        return
                    self.metrics.count_replayed(topic.topic_class.name, len(run))
                    replayed += len(run)
                    sub.last_sent = run[-1].seq
                if final:
                    if sub.pending_high > sub.last_sent:
                        continue  # the feed saw newer events while we were reading
                    sub.live = True
                    self.metrics.observe_replay(topic.topic_class.name, replayed)
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one subscription's failure ends only its socket
            _log.exception("khala_pump_failed", topic=topic.name)
            conn.terminate(KhalaClose(codes.INTERNAL_ERROR, f"replay failed: {type(exc).__name__}"))

    # -- wake-ups from the fan-out ----------------------------------------------------------------

    def on_event(self, topic: str, seq: int) -> None:
        feed = self.feeds.get(topic)
        if feed is None:
            return
        if feed.read_through is not None and seq <= feed.read_through:
            return
        self._wake(feed)

    def on_reset(self) -> None:
        for feed in self.feeds.values():
            self._wake(feed)
        asyncio.create_task(self.sockets.recheck(self.pool))

    def _wake(self, feed: TopicFeed) -> None:
        feed.dirty = True
        if feed.task is None or feed.task.done():
            feed.task = asyncio.create_task(self._drain(feed), name=f"khala-feed-{feed.topic.name}")

    async def _drain(self, feed: TopicFeed) -> None:
        name = feed.topic.name
        try:
            while feed.dirty and self.feeds.get(name) is feed:
                feed.dirty = False
                if feed.read_through is None:
                    continue
                continued = False  # this read continues a full one: the same burst
                while True:
                    events = await log.read(self.pool, name, after=feed.read_through, limit=BATCH_LIMIT)
                    if not events:
                        break
                    for index, run in enumerate(codec.split_batches(name, events)):
                        self._dispatch(feed, list(run), head=events[-1].seq, rest_of_read=continued or index > 0)
                    if len(events) < BATCH_LIMIT:
                        break
                    continued = True
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - retry on the next wake-up; subscribers fall back to the log
            _log.exception("khala_feed_read_failed", topic=name)
            await asyncio.sleep(0.5)
            feed.dirty = True
            if self.feeds.get(name) is feed:
                feed.task = asyncio.create_task(self._drain(feed))

    def _dispatch(self, feed: TopicFeed, events: list[log.Event], head: int, rest_of_read: bool = False) -> None:
        """Hand one batch (≤ MAX_BATCH_BYTES) to every live subscriber; ``head``: the topic's head.

        ``rest_of_read``: the batch continues one read that held more than a batch (a large commit).
        A subscriber whose queue cannot take such a continuation reads the rest from the log at its
        own pace (a pump, which waits for room) — a burst larger than the queue is not the client's
        fault. A batch that starts a read and does not fit evicts (the slow-consumer rule): the
        client has not drained what it was sent before."""
        first, last = events[0].seq, events[-1].seq
        name = feed.topic.name
        recent = feed.recent
        if recent and recent[-1].seq != first - 1:
            recent.clear()  # keep it contiguous
        recent.extend(events)
        feed.read_through = last
        klass = feed.topic.topic_class.name
        self.metrics.count_published(klass, len(events))
        frame: bytes | None = None
        tag = (first, last)
        merged: dict[int, bytes | None] = {}  # first seq of a waiting frame → the merged frame
        delivered = 0
        for sub in list(feed.subscribers):
            if sub.last_sent >= last:
                continue
            if not sub.live:
                sub.pending_high = max(sub.pending_high, last)
                continue
            if sub.last_sent != first - 1:
                sub.pending_high = max(sub.pending_high, last)
                self._start_pump(sub)  # a gap or a partial overlap: read exactly what is missing
                continue
            writer = sub.conn.writer
            waiting = writer.tail_tag(name)
            if waiting is not None and waiting[1] == first - 1:
                start = waiting[0]
                if start not in merged:
                    merged[start] = self._merged_frame(feed, start, last, head)
                combined = merged[start]
                if combined is not None:
                    if writer.replace_tail(name, combined, (start, last)):
                        sub.last_sent = last
                        delivered += 1
                    else:
                        self._refused(sub, last, rest_of_read)
                    continue
            if frame is None:
                frame = codec.encode_batch(name, events, head)
            if writer.push(name, frame, tag):
                sub.last_sent = last
                delivered += 1
            else:
                self._refused(sub, last, rest_of_read)
        self.metrics.count_delivered(klass, delivered * len(events))

    def _refused(self, sub: Subscription, last: int, rest_of_read: bool) -> None:
        """A live frame did not fit in ``sub``'s queue (see ``_dispatch``)."""
        if rest_of_read:
            sub.pending_high = max(sub.pending_high, last)
            self._start_pump(sub)
        else:
            sub.conn.evict_slow()

    @staticmethod
    def _merged_frame(feed: TopicFeed, start: int, last: int, head: int) -> bytes | None:
        """One live frame of seqs ``start..last`` from the feed's recent events (None if not held, or
        if it would be larger than a batch may be)."""
        recent = feed.recent
        if last - start >= BATCH_LIMIT or not recent or recent[0].seq > start or recent[-1].seq != last:
            return None
        offset = start - recent[0].seq
        events = [recent[i] for i in range(offset, len(recent))]
        if codec.batch_size(feed.topic.name, events) > MAX_BATCH_BYTES:
            return None
        return codec.encode_batch(feed.topic.name, events, head)

    # -- revocation -------------------------------------------------------------------------------

    def on_revoke(self, session_ids: Sequence[str]) -> None:
        self.sockets.revoke(session_ids)
