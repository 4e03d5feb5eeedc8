"""Keep the garbage collector's full passes short on a long-running server process.

A full (generation 2) collection walks every tracked object. After start-up that is mostly the
code the process imported — modules, classes, functions, Litestar's routing tables — which never
becomes garbage. Measured on the Khala fan-out benchmark (1 000 sockets, 50 publishes/s): each full
pass stalled a worker for 140–210 ms, which was the whole p99. ``gc.freeze()`` after start-up moves
those objects out of the collector's sight (the CPython docs recommend it for exactly this), so a
full pass walks only what the process created since. See adr/0003.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

#: Allocations between young collections (CPython's default is 700). A young collection promotes
#: whatever happens to be alive at that instant — on a busy node, the sends in flight — so fewer
#: young collections mean fewer short-lived objects aging into the full passes.
YOUNG_THRESHOLD = 10_000


@asynccontextmanager
async def frozen_startup_heap(_app: Any) -> AsyncIterator[None]:
    """Lifespan step, last in line: collect once, then freeze what start-up left behind."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
