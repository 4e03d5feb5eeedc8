"""The fan-out seam: how a node learns that a topic has new events or that sessions were revoked.

A wake-up carries no event data: nodes read events from the log by ``(topic, seq)``, so a lost,
duplicated or reordered wake-up can delay delivery but never corrupt it. After a reconnect the
transport calls ``on_reset`` so the hub re-reads every topic and re-checks every session.

* ``BusFanout`` — ``khala_events`` and ``khala_revocations`` from the process's notification bus
  (one LISTEN connection shared with the credential cache).
* ``MemoryFanout`` — in-process, for a single worker whose writers call ``publish`` themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import structlog

from openagents_server.db.bus import PostgresBus
from openagents_server.khala.log import EVENTS_CHANNEL
from openagents_server.khala.revocation import REVOCATION_CHANNEL

_log = structlog.get_logger("openagents.khala.fanout")

OnEvent = Callable[[str, int], None]
OnRevoke = Callable[[Sequence[str]], None]
OnReset = Callable[[], None]


class Fanout(Protocol):
    async def start(self, on_event: OnEvent, on_revoke: OnRevoke, on_reset: OnReset) -> None: ...
    async def stop(self) -> None: ...


class MemoryFanout:
    def __init__(self) -> None:
        self._on_event: OnEvent | None = None
        self._on_revoke: OnRevoke | None = None

    async def start(self, on_event: OnEvent, on_revoke: OnRevoke, on_reset: OnReset) -> None:
        self._on_event, self._on_revoke = on_event, on_revoke

    async def stop(self) -> None:
        self._on_event = self._on_revoke = None

    def publish(self, topic: str, seq: int) -> None:
        if self._on_event:
            self._on_event(topic, seq)

    def revoke(self, session_ids: Sequence[str]) -> None:
        if self._on_revoke:
            self._on_revoke(session_ids)


class BusFanout:
    """Wake-ups from the process's PostgreSQL notification bus (``db/bus.py``): ``khala_events``
    and ``khala_revocations``, sent by ``khala_append`` / ``revoke_sessions`` and delivered after
    commit. Works across granian workers and across servers sharing one database. After the bus
    reconnects, ``on_reset`` makes the hub re-read every topic and re-check every session."""

    def __init__(self, bus: PostgresBus) -> None:
        self._bus = bus
        self._started = False

    async def start(self, on_event: OnEvent, on_revoke: OnRevoke, on_reset: OnReset) -> None:
        def events(payload: str) -> None:
            topic, _, seq = payload.rpartition(" ")
            try:
                on_event(topic, int(seq))
            except ValueError:
                _log.warning("khala_bad_notify", payload=payload[:200])

        def state(up: bool) -> None:
            if up and self._started:
                on_reset()  # anything notified while the bus was away is read from the log now

        await self._bus.listen(EVENTS_CHANNEL, events)
        await self._bus.listen(REVOCATION_CHANNEL, lambda payload: on_revoke([s for s in payload.split(",") if s]))
        self._bus.on_state(state)
        self._started = True

    async def stop(self) -> None:
        self._started = False
