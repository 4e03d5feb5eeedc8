"""Per-process Khala counters for ``GET /api/internal/khala/metrics``, mirrored into the Prometheus
families of ``metrics/families.py`` (``/metrics``) by the ``count_*`` methods, the only writers."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from openagents_server.metrics import families as prom


@dataclass
class Metrics:
    connections_opened: int = 0
    connections_closed: int = 0
    slow_consumer_evictions: int = 0
    stale_cursors: int = 0
    replayed_events: int = 0
    #: topic class → events read from the log by this node (one read serves every local subscriber).
    published: Counter[str] = field(default_factory=Counter)
    #: topic class → update frames handed to sockets (replay and live).
    delivered: Counter[str] = field(default_factory=Counter)
    disconnects: Counter[str] = field(default_factory=Counter)
    recent_disconnects: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=50))

    def snapshot(self) -> dict[str, Any]:
        """Counters as JSON (what each node publishes to ``khala_node_stats``)."""
        return {
            "connections_opened": self.connections_opened,
            "connections_closed": self.connections_closed,
            "published": dict(self.published),
            "delivered": dict(self.delivered),
            "replayed_events": self.replayed_events,
            "slow_consumer_evictions": self.slow_consumer_evictions,
            "stale_cursors": self.stale_cursors,
            "disconnects": dict(self.disconnects),
            "recent_disconnects": list(self.recent_disconnects),
        }

    def count_opened(self) -> None:
        self.connections_opened += 1
        prom.KHALA_CONNECTIONS_OPENED.inc()

    def count_eviction(self) -> None:
        self.slow_consumer_evictions += 1
        prom.KHALA_EVICTIONS.inc()

    def count_stale(self, reasons: list[str]) -> None:
        self.stale_cursors += len(reasons)
        for reason in reasons:
            prom.KHALA_STALE_CURSORS.labels(reason).inc()

    def count_published(self, topic_class: str, events: int) -> None:
        self.published[topic_class] += events
        prom.KHALA_PUBLISHED.labels(topic_class).inc(events)

    def count_delivered(self, topic_class: str, events: int) -> None:
        if events:
            self.delivered[topic_class] += events
            prom.KHALA_DELIVERED.labels(topic_class).inc(events)

    def count_replayed(self, topic_class: str, events: int) -> None:
        self.replayed_events += events
        self.count_delivered(topic_class, events)

    def observe_replay(self, topic_class: str, events: int) -> None:
        """One subscription's resume is complete: ``events`` were replayed for it."""
        prom.KHALA_REPLAY_EVENTS.labels(topic_class).observe(events)

    def record_disconnect(self, code: str, close_code: int, user_id: str | None) -> None:
        self.connections_closed += 1
        self.disconnects[code] += 1
        prom.KHALA_DISCONNECTS.labels(code).inc()
        self.recent_disconnects.append(
            {"code": code, "close_code": close_code, "user_id": user_id, "at": round(time.time(), 3)}
        )


#: Nodes that have not published for this long are considered gone.
NODE_STALE_SECONDS = 30
PUBLISH_INTERVAL_SECONDS = 5.0


def merge(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals over nodes: numbers add up, per-class/per-reason maps add key by key."""
    total: dict[str, Any] = {}
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, bool) or key in ("node_id", "recent_disconnects", "updated_at"):
                continue
            if isinstance(value, (int, float)):
                total[key] = total.get(key, 0) + value
            elif isinstance(value, dict):
                bucket = total.setdefault(key, {})
                for k, v in value.items():
                    bucket[k] = bucket.get(k, 0) + v
    recent = sorted((d for n in nodes for d in n.get("recent_disconnects", [])), key=lambda d: d["at"])
    total["recent_disconnects"] = recent[-50:]
    return total
