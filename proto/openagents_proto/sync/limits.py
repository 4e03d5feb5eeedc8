"""Numbers of the Khala v1 contract (docs/PROTOCOL.md). Anchors come from the original system."""

from __future__ import annotations

import re

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
MAX_OUTBOUND_QUEUE_BYTES = 1024 * 1024  # per connection (anchor peer: Centrifugo)
MAX_BATCH_UPDATES = 200  # updates per UPDATE_BATCH
MAX_TOPICS_PER_SUBSCRIBE = 64  # ours: a client watches a handful of topics
MAX_TOPIC_LENGTH = 200
MAX_PAYLOAD_BYTES = 256 * 1024  # largest class limit (run_events)
MAX_TOKEN_LENGTH = 8 * 1024
MAX_ID_LENGTH = 128  # request ids, build ids, device ids, doc keys

TOPIC_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9:._\-]*")


class TopicClass(msgspec.Struct, frozen=True, kw_only=True):
    """Limits of one topic class (anchor table in ARCHITECTURE.md §4)."""

    name: str
    pattern: str  # regular expression over the whole topic
    qos: str
    replay_budget: int  # largest head - watermark gap replay serves
    publish_per_second: int
    max_payload_bytes: int
    retention_seconds: int

    def matches(self, topic: str) -> bool:
        return re.fullmatch(self.pattern, topic) is not None


_ID = r"[A-Za-z0-9._\-]+"
HOUR = 3600
DAY = 24 * HOUR
TOPIC_CLASSES: tuple[TopicClass, ...] = (
    TopicClass(name="run_events", pattern=rf"run:{_ID}:events", qos="warm", replay_budget=20_000,
               publish_per_second=240, max_payload_bytes=256 * 1024, retention_seconds=7 * DAY),
    TopicClass(name="worker_lifecycle", pattern=rf"user:{_ID}:workers", qos="warm", replay_budget=10_000,
               publish_per_second=180, max_payload_bytes=64 * 1024, retention_seconds=3 * DAY),
    TopicClass(name="codex_worker_events", pattern=rf"worker:{_ID}:events", qos="hot", replay_budget=3_000,
               publish_per_second=240, max_payload_bytes=128 * 1024, retention_seconds=1 * DAY),
    TopicClass(name="notifications", pattern=rf"user:{_ID}:notifications", qos="cold", replay_budget=500,
               publish_per_second=90, max_payload_bytes=64 * 1024, retention_seconds=12 * HOUR),
    # issue 21: the public shout feed (anonymous public sync tokens may read it; ADR 0700).
    TopicClass(name="feed", pattern=r"feed:public", qos="hot", replay_budget=3_000,
               publish_per_second=240, max_payload_bytes=8 * 1024, retention_seconds=1 * DAY),
)


def topic_class_for(topic: str) -> TopicClass | None:
    """The class a topic belongs to, or None for a topic no class admits."""
    for topic_class in TOPIC_CLASSES:
        if topic_class.matches(topic):
            return topic_class
    return None
