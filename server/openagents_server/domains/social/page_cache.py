"""The anonymous first page of ``GET /api/shouts``, kept encoded for a second per worker.

Everyone who opens ``/feed`` asks for the same first page; answering it from memory for up to
``TTL_SECONDS`` takes the database off the hot path (bench/social_shouts.py). A page at most a second
old loses nothing: the reader subscribes to ``feed:public`` resuming after the page's ``next_after``,
so every newer shout is replayed (ADR 0700). Pages with a cursor, and every signed-in viewer's pages
(blocks differ per person), are never cached.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

#: Ours: the staleness a reader never sees (the live resume covers it) vs. one query per second per zone.
TTL_SECONDS = 1.0
#: Keys are (zone, author, limit); bounded so odd queries cannot grow it without end.
MAX_ENTRIES = 512


class FirstPageCache:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._pages: dict[Hashable, tuple[float, bytes]] = {}

    def get(self, key: Hashable) -> bytes | None:
        hit = self._pages.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: Hashable, body: bytes) -> None:
        if len(self._pages) >= self.max_entries:
            now = time.monotonic()
            self._pages = {k: v for k, v in self._pages.items() if v[0] >= now}
            if len(self._pages) >= self.max_entries:
                self._pages.clear()
        self._pages[key] = (time.monotonic() + self.ttl, body)
