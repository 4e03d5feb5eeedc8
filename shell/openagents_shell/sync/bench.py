"""The Khala client's hot path, timed: UPDATE_BATCH frames decoded, applied (exactly-once check,
``LiveEvent`` dispatched) and persisted (watermark and document into ``SyncStore``), frame by frame.

The same code runs under CPython (``bench/shell_live.py``) and in Pyodide (``window.__oa.benchKhala``),
so the two figures compare the interpreter, not the code.
"""

from __future__ import annotations

import time
from typing import Any

from openagents_proto.sync import convert
from openagents_proto.sync import domain as d

from openagents_shell.host.fake import FakeClock, FakeKeyValueDb
from openagents_shell.sync.machine import Phase
from openagents_shell.sync.runtime import Channel, Minted
from openagents_shell.sync.storage import SyncStore

TOPIC = "user:u1:notifications"


def frames(count: int, per_frame: int = 200, topic: str = TOPIC) -> list[bytes]:
    out = []
    seq = 0
    for _ in range(count):
        updates = []
        for _ in range(per_frame):
            seq += 1
            updates.append(d.Update.build(topic=topic, doc_key=f"doc{seq % 500}", doc_version=seq,
                                          body={"title": f"Event {seq}", "kind": "bench", "n": seq}, watermark=seq))
        out.append(convert.encode_frame(d.Frame(message=d.UpdateBatch(updates=tuple(updates)), topic=topic, seq=seq),
                                        validate=False))
    return out


class _Socket:
    def send(self, data: bytes) -> None:
        pass

    def close(self, code: int = 1000, reason: str = "") -> None:
        pass


async def run(data: list[bytes], now: Any = time.perf_counter) -> dict[str, float]:
    """Feed ``data`` through a live channel; persist every frame's watermark and documents."""
    applied = [0]

    def dispatch(intent: Any) -> None:
        applied[0] += 1

    store = SyncStore(FakeKeyValueDb())
    await store.open()
    channel = Channel("user", api=None, fetch=None, sockets=None, clock=FakeClock(), store=store,  # type: ignore[arg-type]
                      dispatch=dispatch)
    channel.minted = Minted("t", "u1", frozenset({TOPIC}), 1e9)
    channel.partition = "user:u1"
    channel.socket = _Socket()
    channel.machine.topics = (TOPIC,)
    channel.machine.phase = Phase.LIVE
    per_frame: list[float] = []
    started = now()
    for frame in data:
        t0 = now()
        await channel._frame(frame)
        await store.flush()
        per_frame.append((now() - t0) * 1000)
    total = now() - started
    per_frame.sort()
    updates = applied[0]
    return {"frames": len(data), "updates": updates, "seconds": total, "frames_per_s": len(data) / total,
            "updates_per_s": updates / total, "p50_ms": per_frame[len(per_frame) // 2],
            "p95_ms": per_frame[min(len(per_frame) - 1, int(len(per_frame) * 0.95))]}
