"""Subscriptions on this node, and delivery from the log to them.

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
import secrets
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import asyncpg
import structlog
from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_BATCH_UPDATES

from openagents_server.khala import codec, codes, log
from openagents_server.khala.codes import KhalaClose
from openagents_server.khala.fanout import Fanout
from openagents_server.khala.metrics import Metrics
from openagents_server.khala.topics import Topic

if TYPE_CHECKING:
    from openagents_server.khala.connection import Connection

_log = structlog.get_logger("openagents.khala.hub")

#: A node whose stats row is older than this is dead: its sockets stop counting toward per-user caps
#: (three missed publishes; see metrics.PUBLISH_INTERVAL_SECONDS).
NODE_TTL_SECONDS = 15.0

#: anchor: UPDATE_BATCH holds at most 200 updates (and at most MAX_BATCH_BYTES, ours).
BATCH_LIMIT = MAX_BATCH_UPDATES


@dataclass(eq=False)
class Subscription:
    conn: Connection
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
        self.node_id = "node_" + secrets.token_hex(4)
        self.feeds: dict[str, TopicFeed] = {}
        self.connections: set[Connection] = set()
        self.by_session: dict[str, set[Connection]] = {}
        self.by_user: dict[str, set[Connection]] = {}
        self._stats_task: asyncio.Task[None] | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._stats_rounds = 0
        self._stopping = False

    async def start(self) -> None:
        await self.fanout.start(self.on_event, self.on_revoke, self.on_reset)
        self._stats_task = asyncio.create_task(self._publish_stats_loop(), name="khala-stats")
        self._poll_task = asyncio.create_task(self._poll_heads_loop(), name="khala-head-check")

    async def check_heads(self) -> None:
        """Wake every local feed whose topic head moved past what this node read.

        The safety net under the wake-ups: a NOTIFY lost to a listener reconnect, or never sent
        because a process died between COMMIT and ``log.notify``, costs at most one interval."""
        names = [name for name, feed in self.feeds.items() if feed.read_through is not None]
        if not names:
            return
        rows = await self.pool.fetch("SELECT topic, head_seq FROM khala_topics WHERE topic = ANY($1::text[])", names)
        for topic, head in rows:
            feed = self.feeds.get(topic)
            if feed is not None and feed.read_through is not None and head > feed.read_through:
                self._wake(feed)

    async def _poll_heads_loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.check_heads()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - try again next interval
                _log.warning("khala_head_check_failed", error=str(exc))

    def stats(self) -> dict[str, object]:
        """This node's live gauges and counters."""
        return {
            "node_id": self.node_id,
            "connections": len(self.connections),
            "subscriptions": sum(len(c.subscriptions) for c in self.connections),
            "topics": len(self.feeds),
            **self.metrics.snapshot(),
        }

    async def publish_stats(self) -> None:
        """Also this node's liveness: its sockets count toward per-user caps while this row is fresh."""
        await self.pool.execute(
            "INSERT INTO khala_node_stats (node_id, stats) VALUES ($1, $2) "
            "ON CONFLICT (node_id) DO UPDATE SET stats = EXCLUDED.stats, updated_at = now()",
            self.node_id, self.stats(),
        )
        self._stats_rounds += 1
        if self._stats_rounds % 12 == 1:  # about once a minute: forget the sockets of dead nodes
            await self.pool.execute(
                "DELETE FROM khala_connections c WHERE NOT EXISTS (SELECT 1 FROM khala_node_stats s "
                "WHERE s.node_id = c.node_id AND s.updated_at > now() - $1::interval)",
                timedelta(seconds=NODE_TTL_SECONDS * 10),
            )

    async def _publish_stats_loop(self) -> None:
        from openagents_server.khala.metrics import PUBLISH_INTERVAL_SECONDS

        while True:
            try:
                await self.publish_stats()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - metrics must never take the node down
                _log.warning("khala_stats_publish_failed", error=str(exc))
            await asyncio.sleep(PUBLISH_INTERVAL_SECONDS)

    async def stop(self) -> None:
        self._stopping = True  # this node's rows go in one statement below; sockets need not release theirs
        for task in (self._stats_task, self._poll_task):
            if task is not None:
                task.cancel()
        try:
            await self.pool.execute("DELETE FROM khala_connections WHERE node_id = $1", self.node_id)
            await self.pool.execute("DELETE FROM khala_node_stats WHERE node_id = $1", self.node_id)
        except Exception as exc:  # noqa: BLE001 - shutting down; the row ages out anyway
            _log.debug("khala_stats_cleanup_failed", error=str(exc))
        await self.fanout.stop()
        for conn in list(self.connections):
            conn.terminate(KhalaClose(codes.SERVER_RESTART))
        for feed in self.feeds.values():
            if feed.task:
                feed.task.cancel()

    # -- connections ------------------------------------------------------------------------------

    def add_connection(self, conn: Connection, session_id: str, user_id: str) -> None:
        """Index a connection by session (revocation) and user (the per-user cap is in ``admit``)."""
        self.connections.add(conn)
        self.by_session.setdefault(session_id, set()).add(conn)
        self.by_user.setdefault(user_id, set()).add(conn)

    async def admit(self, conn: Connection, session_id: str, user_id: str, cap: int) -> tuple[bool, bool]:
        """One round trip: is the session revoked, and may this user open one more socket on the
        cluster (``cap`` counted over every live node)? Returns ``(revoked, admitted)``; an admitted
        connection is registered in ``khala_connections`` until ``release``."""
        row = await self.pool.fetchrow(
            "SELECT EXISTS (SELECT 1 FROM khala_revoked_sessions WHERE session_id = $1) AS revoked, "
            "khala_admit_connection($2, $3, $4, $5, $6) AS live",
            session_id, conn.id, self.node_id, user_id, cap, timedelta(seconds=NODE_TTL_SECONDS),
        )
        return bool(row["revoked"]), row["live"] >= 0

    async def release(self, conn: Connection) -> None:
        if self._stopping:
            return
        try:
            await self.pool.execute("DELETE FROM khala_connections WHERE conn_id = $1", conn.id)
        except Exception as exc:  # noqa: BLE001 - the row stops counting when this node goes stale
            _log.warning("khala_release_failed", conn=conn.id, error=str(exc))

    def remove_connection(self, conn: Connection) -> None:
        self.connections.discard(conn)
        for index, key in ((self.by_session, conn.session_id), (self.by_user, conn.user_id)):
            if key is not None and key in index:
                index[key].discard(conn)
                if not index[key]:
                    del index[key]
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
                    self.metrics.delivered[topic.topic_class.name] += len(run)
                    self.metrics.replayed_events += len(run)
                    sub.last_sent = run[-1].seq
                if final:
                    if sub.pending_high > sub.last_sent:
                        continue  # the feed saw newer events while we were reading
                    sub.live = True
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
        asyncio.create_task(self._recheck_sessions())

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
        self.metrics.published[klass] += len(events)
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
        self.metrics.delivered[klass] += delivered * len(events)

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
        for session_id in session_ids:
            for conn in list(self.by_session.get(session_id, ())):
                conn.terminate(KhalaClose(codes.REAUTH_REQUIRED, "session was revoked", reason="session_revoked",
                                          field="sync_token"))

    async def _recheck_sessions(self) -> None:
        """After the listener reconnects, revocations sent meanwhile are found in the table."""
        if not self.by_session:
            return
        rows = await self.pool.fetch(
            "SELECT session_id FROM khala_revoked_sessions WHERE session_id = ANY($1::text[])",
            list(self.by_session),
        )
        self.on_revoke([r[0] for r in rows])
