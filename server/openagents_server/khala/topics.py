"""Topic grammar and per-class limits (ARCHITECTURE §4 table; anchor values from the seeds).

A topic names its owner in its text for user and org topics (``user:{id}:workers``,
``org:{id}:workers``); run and worker topics name a resource whose owner is recorded in
``khala_topics`` by the runtime when it creates the resource (see ``log.register_topic``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

OwnerKind = Literal["user", "org", "resource", "public"]  # issue 21: "public" (any token with the scope)

#: Topic text is bounded so a NOTIFY payload ("topic seq") always fits in PostgreSQL's 8000 bytes.
MAX_TOPIC_LENGTH = 200
_ID = r"[A-Za-z0-9][A-Za-z0-9_.\-:]{0,127}"


@dataclass(frozen=True)
class TopicClass:
    name: str
    qos: Literal["hot", "warm", "cold"]
    #: Most events a resume may replay; further behind → stale_cursor/replay_budget_exceeded.
    replay_budget: int
    #: Appends per second per topic; more → khala_publish_rate_limited.
    publish_per_second: int
    max_payload_bytes: int
    retention: timedelta
    #: Scope the sync token must grant to subscribe.
    scope: str


RUN_EVENTS = TopicClass("run_events", "warm", 20_000, 240, 256 * 1024, timedelta(days=7), "runtime.run_events")
WORKER_LIFECYCLE = TopicClass(
    "worker_lifecycle", "warm", 10_000, 180, 64 * 1024, timedelta(days=3), "runtime.codex_worker_summaries"
)
CODEX_WORKER_EVENTS = TopicClass(
    "codex_worker_events", "hot", 3_000, 240, 128 * 1024, timedelta(days=1), "runtime.codex_worker_events"
)
NOTIFICATIONS = TopicClass("notifications", "cold", 500, 90, 64 * 1024, timedelta(hours=12), "notifications.read")
# issue 21: the public shout feed, readable by anonymous public sync tokens (ADR 0700).
FEED = TopicClass("feed", "hot", 3_000, 240, 8 * 1024, timedelta(days=1), "feed.read")

CLASSES: dict[str, TopicClass] = {
    c.name: c for c in (RUN_EVENTS, WORKER_LIFECYCLE, CODEX_WORKER_EVENTS, NOTIFICATIONS, FEED)
}


@dataclass(frozen=True)
class TopicPattern:
    regex: re.Pattern[str]
    topic_class: TopicClass
    owner_kind: OwnerKind
    example: str


PATTERNS: tuple[TopicPattern, ...] = (
    TopicPattern(re.compile(rf"^run:(?P<id>{_ID}):events$"), RUN_EVENTS, "resource", "run:{id}:events"),
    TopicPattern(re.compile(rf"^worker:(?P<id>{_ID}):events$"), CODEX_WORKER_EVENTS, "resource", "worker:{id}:events"),
    TopicPattern(re.compile(rf"^user:(?P<id>{_ID}):workers$"), WORKER_LIFECYCLE, "user", "user:{id}:workers"),
    TopicPattern(re.compile(rf"^user:(?P<id>{_ID}):notifications$"), NOTIFICATIONS, "user", "user:{id}:notifications"),
    TopicPattern(re.compile(rf"^org:(?P<id>{_ID}):workers$"), WORKER_LIFECYCLE, "org", "org:{id}:workers"),
    TopicPattern(
        re.compile(rf"^org:(?P<id>{_ID}):worker_events$"), CODEX_WORKER_EVENTS, "org", "org:{id}:worker_events"
    ),
    TopicPattern(re.compile(r"^feed:(?P<id>public)$"), FEED, "public", "feed:public"),  # issue 21
)


class TopicError(ValueError):
    """The text is not a topic of any known class."""


@dataclass(frozen=True)
class Topic:
    name: str
    topic_class: TopicClass
    owner_kind: OwnerKind
    #: user id, org id, or resource (run/worker) id, depending on ``owner_kind``.
    owner_id: str


def parse_topic(name: str) -> Topic:
    if not isinstance(name, str) or not name or len(name) > MAX_TOPIC_LENGTH:
        raise TopicError(f"topic must be 1..{MAX_TOPIC_LENGTH} characters")
    for pattern in PATTERNS:
        match = pattern.regex.match(name)
        if match:
            return Topic(name, pattern.topic_class, pattern.owner_kind, match["id"])
    known = ", ".join(p.example for p in PATTERNS)
    raise TopicError(f"unknown topic {name[:80]!r}; known forms: {known}")
