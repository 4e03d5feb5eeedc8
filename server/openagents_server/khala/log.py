"""The Khala event log in PostgreSQL: the ordering oracle.

Every topic has a gapless sequence ``1..head``. ``append`` runs in the caller's transaction, so an
event commits together with the domain write that caused it, or not at all. Events with
``seq <= floor`` were pruned by retention; ``floor < seq <= head`` can be replayed.

What a subscriber may rely on:

* ``seq`` is the event's position in its topic; a client that applied ``seq`` has applied every
  smaller seq of that topic (its *watermark*).
* Because the topic row stays locked until the appending transaction ends, events of one topic
  become visible in seq order: a reader that sees ``seq`` also sees every smaller, unpruned seq.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from openagents_server.errors import Conflict, DomainError, Invalid, RateLimited, TooLarge
from openagents_server.khala import codes
from openagents_server.khala.canonical import canonical_json, payload_hash
from openagents_server.khala.topics import CLASSES, Topic, TopicClass, parse_topic

#: Channel on which ``khala_append`` notifies "topic seq" after commit.
EVENTS_CHANNEL = "khala_events"
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
MAX_DOC_KEY_LENGTH = 256
MAX_IDEMPOTENCY_KEY_LENGTH = 200
#: Connections inside ``unit_of_work``: topic → highest seq appended, notified after commit.
_DEFERRED: dict[int, dict[str, int]] = {}


class AppendError(DomainError):
    """An append was refused. ``kind`` is the domain error it is (``Invalid``, ``Conflict``,
    ``TooLarge``, ``RateLimited``), so the same refusal reads the same in HTTP, a worker or the CLI."""

    def __init__(self, kind: type[DomainError], reason: str, message: str, **details: Any) -> None:
        super().__init__(kind.default_code, message, reason=reason, details=details)
        self.kind = kind
        self.status = kind.status


@dataclass(frozen=True, slots=True)
class Appended:
    topic: str
    seq: int
    #: True when an idempotent retry returned the seq of the original append.
    duplicate: bool
    payload_hash: str


@dataclass(frozen=True, slots=True)
class Event:
    """One log entry as subscribers see it; ``payload`` is canonical JSON bytes."""

    topic: str
    seq: int
    kind: str
    doc_key: str
    doc_version: int
    payload: bytes
    payload_hash: str


@dataclass(frozen=True, slots=True)
class TopicState:
    topic: str
    topic_class: str
    head: int
    floor: int
    owner_user_id: str | None
    owner_org_id: str | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """An event checked and encoded for ``khala_append`` (``append`` does this itself; a caller that
    folds the append into its own SQL statement uses it, see ``integrations_apply_webhook``)."""

    topic: Topic
    kind: str
    doc_key: str
    body: bytes
    digest: str

    @property
    def rate_limit(self) -> int:
        return self.topic.topic_class.publish_per_second


def prepare(topic: str, *, kind: str, doc_key: str, payload: Any, idempotency_key: str | None = None) -> Prepared:
    """Validate and encode one event (canonical JSON and its hash); raises :class:`AppendError`."""
    parsed = _parse_for_append(topic)
    if not _KIND.match(kind):
        raise AppendError(Invalid, "invalid_kind", "kind must match [a-z][a-z0-9_.]{0,63}")
    if not doc_key or len(doc_key) > MAX_DOC_KEY_LENGTH:
        raise AppendError(Invalid, "invalid_doc_key", f"doc_key must be 1..{MAX_DOC_KEY_LENGTH} chars")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise AppendError(Invalid, "invalid_idempotency_key", "idempotency_key must be 1..200 chars")
    try:
        body = canonical_json(payload)
    except ValueError as exc:  # ContractError: NaN, non-string keys, non-JSON types
        raise AppendError(Invalid, "invalid_payload", str(exc)) from None
    klass = parsed.topic_class
    if len(body) > klass.max_payload_bytes:
        raise AppendError(
            TooLarge, codes.REASON_PAYLOAD_TOO_LARGE,
            f"payload is {len(body)} bytes; {klass.name} topics allow {klass.max_payload_bytes}",
            limit=klass.max_payload_bytes, size=len(body),
        )
    digest = payload_hash(body)
    return Prepared(parsed, kind, doc_key, body, digest)


def notify_committed(pool: asyncpg.Pool, heads: Mapping[str, int]) -> None:
    """Wake subscribers of events a caller appended with ``p_notify = false`` and has committed."""
    if heads:
        _notifier(pool).add(heads)


async def append(
    conn: asyncpg.Connection,
    topic: str,
    *,
    doc_key: str,
    payload: Any,
    kind: str = "upsert",
    doc_version: int | None = None,
    idempotency_key: str | None = None,
    expected_previous_seq: int | None = None,
) -> Appended:
    """Append one event in the caller's transaction (opens one if the connection has none).

    ``payload`` is any JSON value; it is stored as canonical JSON with its ``sha256:`` hash.
    ``doc_version`` defaults to the assigned seq. A retry with the same ``idempotency_key`` returns
    the original seq (``duplicate=True``); the same key with a different payload is a conflict.
    """
    prepared = prepare(topic, kind=kind, doc_key=doc_key, payload=payload, idempotency_key=idempotency_key)
    parsed, body, digest, klass = prepared.topic, prepared.body, prepared.digest, prepared.topic.topic_class
    if conn.is_in_transaction():
        row = await _append_row(conn, parsed, kind, doc_key, doc_version, body, digest, idempotency_key,
                                expected_previous_seq)
    else:
        async with conn.transaction():
            row = await _append_row(conn, parsed, kind, doc_key, doc_version, body, digest, idempotency_key,
                                    expected_previous_seq)
    status, seq = row["status"], row["seq"]
    if status == "ok":
        deferred = _DEFERRED.get(id(conn))
        if deferred is not None:
            deferred[topic] = max(seq, deferred.get(topic, 0))
        return Appended(topic, seq, False, digest)
    if status == "duplicate":
        return Appended(topic, seq, True, digest)
    if status == "conflict":
        raise AppendError(
            Conflict, "expected_previous_seq_mismatch",
            f"expected previous seq {expected_previous_seq}, but the topic head is {seq}", head=seq,
        )
    if status == "idempotency_mismatch":
        raise AppendError(
            Conflict, "idempotency_key_reused",
            "idempotency key was already used with a different payload", seq=seq,
        )
    raise AppendError(
        RateLimited, codes.REASON_PUBLISH_RATE_LIMITED,
        f"{klass.name} topics accept {klass.publish_per_second} appends per second",
        limit=klass.publish_per_second,
    )


async def _append_row(
    conn: asyncpg.Connection, parsed: Topic, kind: str, doc_key: str, doc_version: int | None, body: bytes,
    digest: str, idempotency_key: str | None, expected_previous_seq: int | None,
) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT status, seq FROM khala_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        parsed.name, parsed.topic_class.name, kind, doc_key, doc_version,
        body, digest, idempotency_key, expected_previous_seq, parsed.topic_class.publish_per_second,
        id(conn) not in _DEFERRED,
    )


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A transaction whose appends wake subscribers *after* it commits.

    ``append`` alone NOTIFYs inside the caller's transaction, which is always right but makes
    PostgreSQL serialize the commits of notifying transactions (about half the throughput under
    concurrency, bench/khala_append.py). Here the NOTIFY goes out right after COMMIT instead, in the
    background (coalesced with other writers'). If the process dies in between, each node's
    periodic head check (``Hub``) still delivers.

        async with log.unit_of_work(pool) as conn:
            await conn.execute("UPDATE runs …")
            await log.append(conn, f"run:{run_id}:events", …)
    """
    async with pool.acquire() as conn:
        pending: dict[str, int] = {}
        _DEFERRED[id(conn)] = pending
        try:
            async with conn.transaction():
                yield conn
        finally:
            _DEFERRED.pop(id(conn), None)
    if pending:
        _notifier(pool).add(pending)


class _Notifier:
    """Sends the post-commit NOTIFYs of one pool in the background, coalescing concurrent ones.

    The committing caller does not wait for the NOTIFY round trip, and many writers' wake-ups share
    one NOTIFY transaction. A NOTIFY that fails (or never runs because the process died) only delays
    delivery until the nodes' next head check."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.pending: dict[str, int] = {}
        self.task: asyncio.Task[None] | None = None

    def add(self, heads: Mapping[str, int]) -> None:
        for topic, seq in heads.items():
            self.pending[topic] = max(seq, self.pending.get(topic, 0))
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name="khala-notifier")

    async def _run(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, {}
                try:
                    async with self.pool.acquire() as conn:
                        await notify(conn, batch)
                except Exception as exc:  # noqa: BLE001 - the head check delivers what this misses
                    import structlog

                    structlog.get_logger("openagents.khala.log").warning("khala_notify_failed", error=str(exc))
        finally:
            if not self.pending and _NOTIFIERS.get(id(self.pool)) is self:
                del _NOTIFIERS[id(self.pool)]  # idle: forget it (the next unit of work makes a new one)

    async def drain(self) -> None:
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)


#: Busy notifiers by id(pool); an entry holds its pool, so the id cannot be reused meanwhile.
_NOTIFIERS: dict[int, _Notifier] = {}


def _notifier(pool: asyncpg.Pool) -> _Notifier:
    notifier = _NOTIFIERS.get(id(pool))
    if notifier is None:
        notifier = _NOTIFIERS[id(pool)] = _Notifier(pool)
    return notifier


async def flush_notifications(pool: asyncpg.Pool) -> None:
    """Wait until this pool's pending post-commit NOTIFYs went out (before closing the pool)."""
    notifier = _NOTIFIERS.get(id(pool))
    if notifier is not None:
        await notifier.drain()


async def notify(conn: asyncpg.Connection, heads: Mapping[str, int]) -> None:
    """Wake every node for these topics. One round trip; the NOTIFY-only transaction skips the WAL
    flush wait (it holds PostgreSQL's notify lock only briefly, and loses nothing if lost)."""
    parts = []
    for topic, seq in heads.items():
        parse_topic(topic)  # grammar: letters, digits and ':._-' only, so the literal below is safe
        parts.append(f"SELECT pg_notify('{EVENTS_CHANNEL}', '{topic} {int(seq)}');")
    await conn.execute("BEGIN; SET LOCAL synchronous_commit = off; " + " ".join(parts) + " COMMIT;")


def _parse_for_append(topic: str) -> Topic:
    from openagents_server.khala.topics import TopicError

    try:
        return parse_topic(topic)
    except TopicError as exc:
        raise AppendError(Invalid, "invalid_topic", str(exc)) from None


async def register_topic(
    conn: asyncpg.Connection | asyncpg.Pool,
    topic: str,
    *,
    owner_user_id: str | None,
    owner_org_id: str | None = None,
) -> None:
    """Record who owns a run/worker topic (the runtime calls this when it creates the resource)."""
    parsed = _parse_for_append(topic)
    await conn.execute(
        """
        INSERT INTO khala_topics (topic, topic_class, owner_user_id, owner_org_id) VALUES ($1, $2, $3, $4)
        ON CONFLICT (topic) DO UPDATE SET owner_user_id = EXCLUDED.owner_user_id,
            owner_org_id = EXCLUDED.owner_org_id, updated_at = now()
        """,
        parsed.name, parsed.topic_class.name, owner_user_id, owner_org_id,
    )


_EVENT_COLUMNS = "topic, seq, kind, doc_key, doc_version, payload, payload_hash"


def _event(row: asyncpg.Record) -> Event:
    return Event(row[0], row[1], row[2], row[3], row[4], bytes(row[5]), row[6])


async def read(
    conn: asyncpg.Connection | asyncpg.Pool, topic: str, after: int, limit: int = 200, upto: int | None = None
) -> list[Event]:
    """Events with ``after < seq [<= upto]`` in seq order, at most ``limit``."""
    if upto is None:
        rows = await conn.fetch(
            f"SELECT {_EVENT_COLUMNS} FROM khala_events WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            topic, after, limit,
        )
    else:
        rows = await conn.fetch(
            f"SELECT {_EVENT_COLUMNS} FROM khala_events WHERE topic = $1 AND seq > $2 AND seq <= $3 "
            "ORDER BY seq LIMIT $4",
            topic, after, upto, limit,
        )
    return [_event(r) for r in rows]


async def topic_states(conn: asyncpg.Connection | asyncpg.Pool, topics: Sequence[str]) -> dict[str, TopicState]:
    """Head, floor and owner of each known topic (unknown topics are absent: head 0, floor 0)."""
    rows = await conn.fetch(
        "SELECT topic, topic_class, head_seq, floor_seq, owner_user_id, owner_org_id "
        "FROM khala_topics WHERE topic = ANY($1::text[])",
        list(topics),
    )
    return {r[0]: TopicState(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows}


@dataclass(frozen=True, slots=True)
class PruneResult:
    deleted: int
    topics: int


async def prune_class(
    conn: asyncpg.Connection, klass: TopicClass, *, now: datetime | None = None, batch_size: int = 5_000
) -> PruneResult:
    """Delete up to ``batch_size`` events of ``klass`` older than its retention; move the floors.

    Runs in its own short transaction so it never holds locks for long; call until ``deleted == 0``.
    """
    cutoff_sql = "coalesce($2::timestamptz, clock_timestamp()) - $3::interval"
    async with conn.transaction():
        row = await conn.fetchrow(
            f"""
            WITH victims AS (
                SELECT topic, seq FROM khala_events
                WHERE topic_class = $1 AND created_at < {cutoff_sql}
                ORDER BY created_at LIMIT $4
            ), deleted AS (
                DELETE FROM khala_events e USING victims v
                WHERE e.topic = v.topic AND e.seq = v.seq
                RETURNING e.topic, e.seq
            ), floors AS (
                SELECT topic, max(seq) AS max_seq FROM deleted GROUP BY topic
            ), moved AS (
                UPDATE khala_topics t SET floor_seq = greatest(t.floor_seq, f.max_seq), updated_at = now()
                FROM floors f WHERE t.topic = f.topic
                RETURNING t.topic
            )
            SELECT (SELECT count(*) FROM deleted) AS deleted, (SELECT array_agg(topic) FROM moved) AS topics
            """,
            klass.name, now, klass.retention, batch_size,
        )
        moved = row["topics"] or []
        if moved:
            # Events below a moved floor that survived (committed out of created_at order) are
            # unreachable now: remove them so the floor is the only truth.
            await conn.execute(
                """
                DELETE FROM khala_events e USING khala_topics t
                WHERE t.topic = ANY($1::text[]) AND e.topic = t.topic AND e.seq <= t.floor_seq
                """,
                moved,
            )
    return PruneResult(row["deleted"], len(moved))


async def prune_all(conn: asyncpg.Connection, *, now: datetime | None = None, batch_size: int = 5_000) -> dict[str, int]:
    """Prune every class until nothing is left to prune; returns deleted counts per class."""
    totals: dict[str, int] = {}
    for klass in CLASSES.values():
        total = 0
        while True:
            result = await prune_class(conn, klass, now=now, batch_size=batch_size)
            total += result.deleted
            if result.deleted < batch_size:
                break
        totals[klass.name] = total
    return totals
