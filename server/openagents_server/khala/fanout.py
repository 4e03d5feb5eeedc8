"""The fan-out seam: how a node learns that a topic has new events or that sessions were revoked.

A wake-up carries no event data: nodes read events from the log by ``(topic, seq)``, so a lost,
duplicated or reordered wake-up can delay delivery but never corrupt it. After a reconnect the
transport calls ``on_reset`` so the hub re-reads every topic and re-checks every session.

* ``PostgresFanout`` — LISTEN on ``khala_events`` and ``khala_revocations`` (NOTIFY is sent by
  ``khala_append`` / ``revoke_sessions`` and delivered after commit). Works across granian workers
  and across servers sharing one database.
* ``MemoryFanout`` — in-process, for a single worker whose writers call ``publish`` themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

import asyncpg
import structlog

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


class PostgresFanout:
    """One dedicated LISTEN connection per process, reconnected with backoff if it drops."""

    def __init__(self, dsn: str, reconnect_delay: float = 0.5) -> None:
        self._dsn = dsn
        self._delay = reconnect_delay
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncpg.Connection | None = None
        self.connected = asyncio.Event()

    async def start(self, on_event: OnEvent, on_revoke: OnRevoke, on_reset: OnReset) -> None:
        def events(_c: object, _pid: int, _channel: str, payload: str) -> None:
            topic, _, seq = payload.rpartition(" ")
            try:
                on_event(topic, int(seq))
            except ValueError:
                _log.warning("khala_bad_notify", payload=payload[:200])

        def revocations(_c: object, _pid: int, _channel: str, payload: str) -> None:
            on_revoke([s for s in payload.split(",") if s])

        async def loop() -> None:
            first = True
            while True:
                try:
                    conn = await asyncpg.connect(self._dsn)
                    self._conn = conn
                    await conn.add_listener(EVENTS_CHANNEL, events)
                    await conn.add_listener(REVOCATION_CHANNEL, revocations)
                    self.connected.set()
                    if not first:
                        on_reset()  # anything notified while we were away is read from the log now
                    first = False
                    closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

                    def _terminated(_c: object, done: asyncio.Future[None] = closed) -> None:
                        if not done.done():
                            done.set_result(None)

                    conn.add_termination_listener(_terminated)
                    await closed
                    _log.warning("khala_listener_lost")
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - keep listening whatever happened
                    _log.warning("khala_listener_error", error=str(exc))
                finally:
                    self.connected.clear()
                await asyncio.sleep(self._delay)
                first = False

        self._task = asyncio.create_task(loop(), name="khala-listener")
        await asyncio.wait_for(self.connected.wait(), 10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001, S110 - stopping: nothing to report
                pass
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
