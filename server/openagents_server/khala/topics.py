"""Topics as the server uses them: the contract's grammar and per-class limits, nothing more.

Every topic class, form and limit is defined once, in ``openagents_proto.sync.limits`` (the shell
imports the same module); ``tests/contracts/test_one_source.py`` fails if one is defined here.
"""

from __future__ import annotations

from openagents_proto.sync.limits import (
    ADMIN_RUNTIME,
    CODEX_WORKER_EVENTS,
    FEED,
    MAX_TOPIC_LENGTH,
    NOTIFICATIONS,
    RUN_EVENTS,
    TOPIC_CLASSES,
    TOPIC_PATTERNS,
    WORKER_LIFECYCLE,
    OwnerKind,
    Topic,
    TopicClass,
    TopicError,
    TopicPattern,
    parse_topic,
)

#: Classes by name (the ``topic_class`` column of the log).
CLASSES: dict[str, TopicClass] = {c.name: c for c in TOPIC_CLASSES}
PATTERNS = TOPIC_PATTERNS

__all__ = [
    "ADMIN_RUNTIME",
    "CLASSES",
    "CODEX_WORKER_EVENTS",
    "FEED",
    "MAX_TOPIC_LENGTH",
    "NOTIFICATIONS",
    "PATTERNS",
    "RUN_EVENTS",
    "WORKER_LIFECYCLE",
    "OwnerKind",
    "Topic",
    "TopicClass",
    "TopicError",
    "TopicPattern",
    "parse_topic",
]
