"""Numbers and topic classes of the Khala v1 contract (docs/PROTOCOL.md). Anchors come from the original system.

This is the one definition: the server (``openagents_server.khala``) and the shell import it, and a
test fails if the server defines a topic class of its own. Pure Python, so it runs in Pyodide.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

import msgspec

PROTOCOL_VERSION = "khala.ws.v1"
WEBSOCKET_SUBPROTOCOL = "khala.ws.v1"
# Payload schema versions this build understands (negotiated in HELLO / HELLO_OK).
SCHEMA_VERSION = 1
MIN_SCHEMA_VERSION = 1
MAX_SCHEMA_VERSION = 1

HELLO_TIMEOUT_MS = 5_000  # first client frame must arrive within 5 s
HEARTBEAT_INTERVAL_MS = 20_000  # server heartbeat period
IDLE_TIMEOUT_MS = 60_000  # no client frame for 60 s -> close
MAX_INBOUND_FRAME_BYTES = 64 * 1024  # every client frame, encoded
MAX_OUTBOUND_QUEUE_BYTES = 1024 * 1024  # per connection (anchor peer: Centrifugo); no frame is larger
MAX_BATCH_UPDATES = 200  # updates per UPDATE_BATCH
#: ours: an UPDATE_BATCH frame is cut at this many encoded bytes (advertised in HELLO_OK as
#: max_batch_bytes). Half the outbound queue, so a replay that waits for half the queue to drain
#: always has room for the next frame; above the largest update (256 KiB payload + its fields), so
#: one update always fits; small enough for a browser to decode one frame between two paints.
MAX_BATCH_BYTES = 512 * 1024
MAX_TOPICS_PER_SUBSCRIBE = 64  # ours: a client watches a handful of topics
MAX_TOPIC_LENGTH = 200  # so a NOTIFY payload ("topic seq") always fits in PostgreSQL's 8000 bytes
MAX_PAYLOAD_BYTES = 256 * 1024  # largest class limit (run_events)
MAX_TOKEN_LENGTH = 8 * 1024
MAX_ID_LENGTH = 128  # request ids, build ids, device ids, doc keys

TOPIC_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._\-]*")

#: public: any token with the scope; admin: any token with the scope, which only platform
#: administrators' sessions are granted (ADR 0604)
OwnerKind = Literal["user", "org", "resource", "public", "admin"]


class TopicClass(msgspec.Struct, frozen=True, kw_only=True):
    """Limits of one topic class (anchor table in docs/PROTOCOL.md §3)."""

    name: str
    qos: Literal["hot", "warm", "cold"]
    #: Most events a resume may replay; further behind → stale_cursor/replay_budget_exceeded.
    replay_budget: int
    #: Appends per second per topic; more → khala_publish_rate_limited.
    publish_per_second: int
    max_payload_bytes: int
    retention_seconds: int
    #: Scope the sync token must grant to subscribe.
    scope: str

    @property
    def retention(self) -> timedelta:
        return timedelta(seconds=self.retention_seconds)


HOUR = 3600
DAY = 24 * HOUR
RUN_EVENTS = TopicClass(name="run_events", qos="warm", replay_budget=20_000, publish_per_second=240,
                        max_payload_bytes=256 * 1024, retention_seconds=7 * DAY, scope="runtime.run_events")
WORKER_LIFECYCLE = TopicClass(name="worker_lifecycle", qos="warm", replay_budget=10_000, publish_per_second=180,
                              max_payload_bytes=64 * 1024, retention_seconds=3 * DAY,
                              scope="runtime.codex_worker_summaries")
CODEX_WORKER_EVENTS = TopicClass(name="codex_worker_events", qos="hot", replay_budget=3_000, publish_per_second=240,
                                 max_payload_bytes=128 * 1024, retention_seconds=1 * DAY,
                                 scope="runtime.codex_worker_events")
NOTIFICATIONS = TopicClass(name="notifications", qos="cold", replay_budget=500, publish_per_second=90,
                           max_payload_bytes=64 * 1024, retention_seconds=12 * HOUR, scope="notifications.read")
#: The public shout feed, readable by anonymous public sync tokens (issue 21, ADR 0700).
FEED = TopicClass(name="feed", qos="hot", replay_budget=3_000, publish_per_second=240,
                  max_payload_bytes=8 * 1024, retention_seconds=1 * DAY, scope="feed.read")
#: Platform administrators' view of the runtime (issue 20, ADR 0604): worker and run status changes of
#: every person, never message text. One topic for the platform, so its publish rate is the platform's.
ADMIN_RUNTIME = TopicClass(name="admin_runtime", qos="warm", replay_budget=10_000, publish_per_second=2_000,
                           max_payload_bytes=8 * 1024, retention_seconds=1 * DAY, scope="admin.runtime")
TOPIC_CLASSES: tuple[TopicClass, ...] = (RUN_EVENTS, WORKER_LIFECYCLE, CODEX_WORKER_EVENTS, NOTIFICATIONS, FEED,
                                         ADMIN_RUNTIME)


class TopicPattern(msgspec.Struct, frozen=True, kw_only=True):
    """One topic form. User and org topics name their owner in the text; run and worker topics name
    a resource whose owner the runtime records when it creates it (the server's ``khala_topics``)."""

    pattern: str  # regular expression over the whole topic; group ``id`` is the owner or resource id
    topic_class: TopicClass
    owner_kind: OwnerKind
    example: str

    def match(self, topic: str) -> re.Match[str] | None:
        return re.fullmatch(self.pattern, topic)


_ID = r"(?P<id>[A-Za-z0-9][A-Za-z0-9_.\-:]{0,127})"
TOPIC_PATTERNS: tuple[TopicPattern, ...] = (
    TopicPattern(pattern=rf"run:{_ID}:events", topic_class=RUN_EVENTS, owner_kind="resource",
                 example="run:{id}:events"),
    TopicPattern(pattern=rf"worker:{_ID}:events", topic_class=CODEX_WORKER_EVENTS, owner_kind="resource",
                 example="worker:{id}:events"),
    TopicPattern(pattern=rf"user:{_ID}:workers", topic_class=WORKER_LIFECYCLE, owner_kind="user",
                 example="user:{id}:workers"),
    TopicPattern(pattern=rf"user:{_ID}:notifications", topic_class=NOTIFICATIONS, owner_kind="user",
                 example="user:{id}:notifications"),
    TopicPattern(pattern=rf"org:{_ID}:workers", topic_class=WORKER_LIFECYCLE, owner_kind="org",
                 example="org:{id}:workers"),
    TopicPattern(pattern=rf"org:{_ID}:worker_events", topic_class=CODEX_WORKER_EVENTS, owner_kind="org",
                 example="org:{id}:worker_events"),
    TopicPattern(pattern=r"feed:(?P<id>public)", topic_class=FEED, owner_kind="public", example="feed:public"),
    TopicPattern(pattern=r"admin:(?P<id>runtime)", topic_class=ADMIN_RUNTIME, owner_kind="admin",
                 example="admin:runtime"),
)


class Topic(msgspec.Struct, frozen=True):
    name: str
    topic_class: TopicClass
    owner_kind: OwnerKind
    #: user id, org id, or resource (run/worker) id, depending on ``owner_kind``.
    owner_id: str


class TopicError(ValueError):
    """The text is not a topic of any known class."""


def parse_topic(name: str) -> Topic:
    """The topic's class and owner, or TopicError naming the known forms."""
    if not isinstance(name, str) or not name or len(name) > MAX_TOPIC_LENGTH:
        raise TopicError(f"topic must be 1..{MAX_TOPIC_LENGTH} characters")
    for form in TOPIC_PATTERNS:
        match = form.match(name)
        if match:
            return Topic(name, form.topic_class, form.owner_kind, match["id"])
    known = ", ".join(form.example for form in TOPIC_PATTERNS)
    raise TopicError(f"unknown topic {name[:80]!r}; known forms: {known}")


def topic_class_for(topic: str) -> TopicClass | None:
    """The class a topic belongs to, or None for a topic no class admits."""
    try:
        return parse_topic(topic).topic_class
    except TopicError:
        return None
