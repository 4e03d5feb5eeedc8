"""Client telemetry (``openagents.sync.client_telemetry.v1``) to ``POST /api/telemetry``, never in the way.

The sync runtime reports what operators count: reconnects, auth failures while connecting, and
replays (a stale cursor's rehydrate); the shell adds local storage resets (``sync/storage.py``'s
:class:`Reset`: IndexedDB from a future version, a deleted store, corrupt records, quota...) and
renderer fallbacks (WebGPU → Canvas2D: no WebGPU, no adapter, the device failed or was lost). Events wait in a bounded queue (:data:`MAX_QUEUE`; when it is
full the oldest go and :attr:`Telemetry.dropped` counts them), and leave in batches of at most
:data:`MAX_BATCH`: every :data:`FLUSH_EVERY_S` seconds, at once when a batch is full, and with
``sendBeacon`` when the page is hidden or left (a flush under way then is a ``keepalive`` fetch in
the browser, so it arrives too). A send that fails puts its batch back (still
bounded) for the next flush; a batch the server refuses (422: not the contract) is dropped, never
retried. Nothing here awaits on the UI's path: ``record`` only appends.

Privacy (the contract's rule): no tokens, payloads or personal data — the actor is the SHA-256 of its
sync partition (``public`` or ``user:{id}``), topics are named only with their class.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from openagents_proto.sync.limits import PROTOCOL_VERSION

from openagents_shell.host.base import Beacon, Clock, Fetch, NetworkError

ENDPOINT = "/api/telemetry"
SCHEMA = "openagents.sync.client_telemetry.v1"
MAX_BATCH = 50  # the server's MAX_EVENTS per request
MAX_QUEUE = 200
FLUSH_EVERY_S = 10.0
KINDS = ("reconnect", "auth_failure", "replay", "storage_reset", "renderer_fallback")
#: The actor of what belongs to the browser, not a person (the IndexedDB database, the renderer).
BROWSER = "public"


def actor_hash(partition: str) -> str:
    return "sha256:" + hashlib.sha256(partition.encode()).hexdigest()


class Telemetry:
    def __init__(self, *, build_id: str, fetch: Fetch, beacon: Beacon, clock: Clock,
                 wall: Callable[[], float] = time.time) -> None:
        self.build_id = build_id or "unknown"
        self.fetch = fetch
        self.beacon = beacon
        self.clock = clock
        self.wall = wall
        self.queue: deque[dict[str, Any]] = deque()
        self.recorded: Counter[str] = Counter()
        self.sent = 0  # accepted by the server (202) or handed to the browser's beacon
        self.dropped = 0  # the oldest, when the queue was full; or a batch the server refused
        self.flushes = 0
        self.beacons = 0
        self._flushing = False
        self._task: asyncio.Task[None] | None = None

    # ---- recording (cheap, synchronous) ---------------------------------------------------------
    def record(self, kind: str, detail: dict[str, Any], *, partition: str, topic_class: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"no telemetry kind {kind!r}")
        event = {"schema_version": SCHEMA, "event_id": f"evt_{self.clock.token()}",
                 "occurred_at_unix_ms": max(1, int(self.wall() * 1000)), "surface": "CLIENT_SURFACE_WEB",
                 "client_build_id": self.build_id, "protocol_version": PROTOCOL_VERSION,
                 "topic_class": topic_class, "actor_scope_hash": actor_hash(partition), kind: detail}
        if len(self.queue) >= MAX_QUEUE:
            self.queue.popleft()
            self.dropped += 1
        self.queue.append(event)
        self.recorded[kind] += 1
        if len(self.queue) >= MAX_BATCH and not self._flushing:
            asyncio.ensure_future(self.flush())

    def storage_reset(self, detail: dict[str, Any]) -> None:
        """A local storage reset (``sync/storage.Reset.telemetry()``)."""
        self.record("storage_reset", detail, partition=BROWSER)

    def renderer_fallback(self, reason_code: str, *, from_renderer: str = "webgpu",
                          to_renderer: str = "canvas2d") -> None:
        """The page draws with ``to_renderer`` where it wanted ``from_renderer`` (``render/policy``'s codes)."""
        self.record("renderer_fallback", {"from_renderer": from_renderer, "to_renderer": to_renderer,
                                          "reason_code": reason_code}, partition=BROWSER)

    # ---- sending ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Flush every :data:`FLUSH_EVERY_S` seconds for the page's lifetime."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._periodic())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _periodic(self) -> None:
        while True:
            await self.clock.sleep(FLUSH_EVERY_S)
            await self.flush()

    def _take(self) -> list[dict[str, Any]]:
        return [self.queue.popleft() for _ in range(min(MAX_BATCH, len(self.queue)))]

    def _put_back(self, batch: list[dict[str, Any]]) -> None:
        room = MAX_QUEUE - len(self.queue)
        keep = batch[len(batch) - room:] if room < len(batch) else batch  # the newest of the batch
        self.dropped += len(batch) - len(keep)
        self.queue.extendleft(reversed(keep))

    async def flush(self) -> None:
        """Send what is queued, a batch per request, until empty or a send fails."""
        if self._flushing:
            return
        self._flushing = True
        try:
            while self.queue:
                batch = self._take()
                body = json.dumps({"events": batch}, separators=(",", ":")).encode()
                try:
                    answer = await self.fetch.fetch("POST", ENDPOINT, {"content-type": "application/json",
                                                                       "accept": "application/json"}, body)
                except NetworkError:
                    self._put_back(batch)
                    return
                self.flushes += 1
                if answer.status == 202:
                    self.sent += len(batch)
                elif answer.status in (400, 413, 422):
                    self.dropped += len(batch)  # not the contract: sending it again cannot help
                else:  # 429, 5xx: later
                    self._put_back(batch)
                    return
        finally:
            self._flushing = False

    def page_hidden(self) -> None:
        """The page is hidden or going away: hand everything queued to the browser's beacon."""
        while self.queue:
            batch = self._take()
            body = json.dumps({"events": batch}, separators=(",", ":")).encode()
            if not self.beacon.send(ENDPOINT, body):
                self._put_back(batch)  # over the beacon quota: the next flush (if the page lives) sends it
                return
            self.beacons += 1
            self.sent += len(batch)

    def debug(self) -> dict[str, Any]:
        return {"queued": len(self.queue), "sent": self.sent, "dropped": self.dropped, "flushes": self.flushes,
                "beacons": self.beacons, "recorded": dict(self.recorded)}
