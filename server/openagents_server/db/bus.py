"""The process's PostgreSQL notification bus: one LISTEN connection, every channel, reconnected.

Khala's fan-out (new events, revocations) and the credential cache (invalidations) both need to hear
NOTIFYs. Each used to keep its own hand-written reconnecting LISTEN client; the bus is the one that
remains. Why not Litestar's channels plugin: its asyncpg backend is a pub/sub of our own messages,
while these NOTIFYs are sent by SQL (``khala_append()``, revocations) inside the writers'
transactions and must be received as PostgreSQL delivers them.

Rules a subscriber can rely on:

* ``listen(channel, handler)`` may be called before or after :meth:`start`; the handler gets the
  payload string of every NOTIFY on ``channel`` while the bus is connected.
* NOTIFYs sent while the bus was disconnected are lost. ``on_state`` callbacks are told when the
  bus goes down (``False``) and when it is back (``True``), so a subscriber can clear what it can no
  longer trust (the credential cache) or re-read what it may have missed (Khala's hub re-reads the
  log). Nothing a subscriber needs for correctness may live only in a NOTIFY.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import structlog

_log = structlog.get_logger("openagents.db.bus")

Handler = Callable[[str], None]
StateCallback = Callable[[bool], None]


class PostgresBus:
    """One dedicated LISTEN connection per process, reconnected after ``reconnect_delay`` if it drops."""

    def __init__(self, dsn: str, reconnect_delay: float = 0.5) -> None:
        self._dsn = dsn
        self._delay = reconnect_delay
        self._handlers: dict[str, list[Handler]] = {}
        self._state_callbacks: list[StateCallback] = []
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        #: Set while the LISTEN connection is up.
        self.connected = asyncio.Event()

    async def listen(self, channel: str, handler: Handler) -> None:
        """Deliver every payload on ``channel`` to ``handler`` (several handlers per channel are fine)."""
        first = channel not in self._handlers
        self._handlers.setdefault(channel, []).append(handler)
        if first and self._conn is not None and not self._conn.is_closed():
            await self._conn.add_listener(channel, self._dispatch)

    def on_state(self, callback: StateCallback) -> None:
        """``callback(True)`` after every (re)connect, ``callback(False)`` when the connection is lost."""
        self._state_callbacks.append(callback)

    def _dispatch(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        for handler in self._handlers.get(channel, ()):
            try:
                handler(payload)
            except Exception:  # noqa: BLE001 - one bad subscriber must not silence the others
                _log.exception("bus_handler_failed", channel=channel)

    def _tell(self, up: bool) -> None:
        for callback in self._state_callbacks:
            try:
                callback(up)
            except Exception:  # noqa: BLE001
                _log.exception("bus_state_callback_failed", up=up)

    async def start(self, timeout: float = 10) -> None:
        """Connect (and keep reconnecting in the background); returns once the first LISTEN is up."""
        self._task = asyncio.create_task(self._run(), name="postgres-bus")
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def _run(self) -> None:
        while True:
            try:
                conn = await asyncpg.connect(self._dsn)
                closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

                def _terminated(_c: object, done: asyncio.Future[None] = closed) -> None:
                    if not done.done():
                        done.set_result(None)

                conn.add_termination_listener(_terminated)
                for channel in list(self._handlers):
                    await conn.add_listener(channel, self._dispatch)
                self._conn = conn
                self.connected.set()
                self._tell(True)
                await closed
                _log.warning("bus_connection_lost")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep listening whatever happened
                _log.warning("bus_connect_failed", error=str(exc))
            finally:
                if self.connected.is_set():
                    self.connected.clear()
                    self._tell(False)
                self._conn = None
            await asyncio.sleep(self._delay)

    async def stop(self) -> None:
        conn = self._conn  # taken first: the cancelled loop forgets it
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001, S110 - stopping: nothing to report
                pass
            self._task = None
        self._conn = None
        if conn is not None and not conn.is_closed():
            await conn.close()
