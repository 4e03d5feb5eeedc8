"""One connection's outbound queue: bounded in bytes, fair across topics, slow-consumer rule.

Frames wait here until the socket accepts them (granian's send blocks once the kernel buffer is
full). Sending is driven by completion callbacks, not by a task per socket: a push to an idle writer
starts the send at once, and each send's completion starts the next. On the fan-out hot path that
saves a task wake-up and an ``asyncio.Event`` round per frame per socket (granian's send returns a
future-like object; any other awaitable is wrapped in a task). Live frames that would push the queue past ``max_bytes`` are refused and the caller evicts
the client with ``slow_consumer`` — a frame into an empty queue too, so the bound holds for every
frame (the hub cuts batches at ``MAX_BATCH_BYTES``, half the default bound): nothing is lost, because the client resumes from its watermark
and the log is durable. Replay never overflows: it waits for room instead (``wait_for_room``).

Fairness: each topic has its own FIFO and the writer sends one frame per topic in turn, so a hot
topic with thousands of frames queued delays a quiet topic's frame by at most one frame.
Control frames (acks, heartbeats, errors) go first.

Coalescing: a queued frame may carry a *tag* (the hub tags live-tail frames with the seq range they
hold). While such a frame is still waiting, the hub may swap it for one frame holding its updates
and the next ones (``replace_tail``). A client that keeps up gets one frame per publish; one that
falls behind gets fewer, larger frames, so the send rate falls as the load rises instead of the
queue growing (NATS does the same with its MSG batching).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import Any

from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_OUTBOUND_QUEUE_BYTES

#: anchor: 1 MiB outbound buffer per connection (Centrifugo's default client queue size).
DEFAULT_MAX_BYTES = MAX_OUTBOUND_QUEUE_BYTES


class Writer:
    def __init__(self, send: Callable[[bytes], Awaitable[None]], max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._send = send
        self.max_bytes = max_bytes
        self.queued_bytes = 0
        self._control: deque[bytes] = deque()
        #: Per topic, queued (frame, tag) pairs in send order.
        self._topics: OrderedDict[str, deque[tuple[bytes, Any]]] = OrderedDict()
        self._room = asyncio.Event()
        self._room.set()
        self._closed = False
        self._running = False
        self._in_flight = 0  # bytes of the frame being sent (0: none)
        self._sending = False  # inside _send_next (a completion that runs synchronously must not recurse)
        self._done: asyncio.Future[None] | None = None
        self.sent_frames = 0

    @property
    def max_frame_bytes(self) -> int:
        """The largest topic frame to build for this queue: the contract's batch cap, or half a
        smaller queue (so a replay that waits for half the queue to drain has room for it)."""
        return min(MAX_BATCH_BYTES, self.max_bytes // 2)

    def push_control(self, frame: bytes) -> None:
        """Acks, heartbeats and errors: never refused (they are small and bounded in number)."""
        if self._closed:
            return
        self._control.append(frame)
        self.queued_bytes += len(frame)
        self._send_next()

    def push(self, topic: str, frame: bytes, tag: Any = None) -> bool:
        """Queue a topic frame; False means the queue is full and the client must be evicted."""
        if self._closed:
            return True
        if self.queued_bytes + len(frame) > self.max_bytes:
            return False  # every frame, even into an empty queue (batches are cut below half the bound)
        if not self._in_flight and self._running and not self._sending and not self._control and not self._topics:
            self._grow(len(frame))  # idle socket (the common case): straight out, no queueing
            self._start(frame)
            return True
        queue = self._topics.get(topic)
        if queue is None:
            queue = self._topics[topic] = deque()
        queue.append((frame, tag))
        self._grow(len(frame))
        self._send_next()
        return True

    def tail_tag(self, topic: str) -> Any:
        """The tag of ``topic``'s last frame still waiting to be sent (None if none or untagged)."""
        queue = self._topics.get(topic)
        return queue[-1][1] if queue else None

    def replace_tail(self, topic: str, frame: bytes, tag: Any) -> bool:
        """Swap ``topic``'s last waiting frame (see ``tail_tag``) for ``frame``; False = queue full."""
        queue = self._topics[topic]
        grow = len(frame) - len(queue[-1][0])
        if self.queued_bytes + grow > self.max_bytes:
            return False
        queue[-1] = (frame, tag)
        self._grow(grow)
        return True

    def _grow(self, size: int) -> None:
        """Account ``size`` more queued bytes; past half the bound, replay pauses (``wait_for_room``)."""
        self.queued_bytes += size
        if self.queued_bytes >= self.max_bytes // 2:
            self._room.clear()

    async def wait_for_room(self) -> None:
        """Block until at most half the queue is used (replay pacing)."""
        await self._room.wait()

    def _next(self) -> bytes | None:
        if self._control:
            return self._control.popleft()
        while self._topics:
            topic, queue = self._topics.popitem(last=False)
            if not queue:
                continue
            frame = queue.popleft()[0]
            if queue:
                self._topics[topic] = queue  # to the back of the line: round robin
            return frame
        return None

    def _send_next(self) -> None:
        """Start sending the next frame unless one is in flight (or we are not running)."""
        if self._sending or not self._running:
            return
        self._sending = True
        try:
            while not self._in_flight and not self._closed:
                frame = self._next()
                if frame is None:
                    return
                self._start(frame)
        finally:
            self._sending = False

    def _start(self, frame: bytes) -> None:
        self._in_flight = len(frame)
        try:
            pending: Any = self._send(frame)
            if not hasattr(pending, "add_done_callback"):
                pending = asyncio.ensure_future(pending)
        except Exception as exc:  # noqa: BLE001 - the socket is gone; run() reports it
            self._fail(exc)
            return
        pending.add_done_callback(self._sent)

    def _sent(self, pending: Any) -> None:
        size, self._in_flight = self._in_flight, 0
        if pending.cancelled():
            self._fail(ConnectionError("send cancelled"))
            return
        exc = pending.exception()
        if exc is not None:
            self._fail(exc)
            return
        self.sent_frames += 1
        self.queued_bytes -= size
        if self.queued_bytes < self.max_bytes // 2:
            self._room.set()
        self._send_next()

    def _fail(self, exc: BaseException) -> None:
        self._closed = True
        if self._done is not None and not self._done.done():
            self._done.set_exception(exc)

    async def run(self) -> None:
        """Send until ``close``; returns when closed or raises what the socket raised."""
        if self._closed:
            return
        self._done = asyncio.get_running_loop().create_future()
        self._running = True
        self._send_next()
        try:
            await self._done
        finally:
            self._running = False

    async def flush(self, timeout: float) -> None:
        """Wait until the queue is empty (used before a graceful close)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (self._control or any(self._topics.values()) or self._in_flight) and not self._closed \
                and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def send_now(self, frame: bytes) -> None:
        """Send bypassing the queue (only after ``close``, when nothing else is sent)."""
        await self._send(frame)

    def close(self) -> None:
        self._closed = True
        self._control.clear()
        self._topics.clear()
        self._room.set()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)
