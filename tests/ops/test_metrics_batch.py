"""Tallied observations, flushed, equal prometheus-client's own observe, bucket for bucket."""

from __future__ import annotations

import asyncio
import random

from openagents_server.metrics.batch import BatchedHistogram, Batcher
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

BUCKETS = (0.001, 0.01, 0.1, 1.0)


def registry_pair() -> tuple[CollectorRegistry, Histogram, Counter]:
    registry = CollectorRegistry()
    return (registry, Histogram("lat_seconds", "x", ["r"], buckets=BUCKETS, registry=registry),
            Counter("req", "x", ["r"], registry=registry))


async def test_a_flushed_tally_reads_exactly_like_direct_observations() -> None:
    values = [random.choice([0.0, 0.001, 0.0011, 0.01, 0.5, 1.0, 3.0]) * random.random() for _ in range(500)]
    values += [0.001, 0.01, 0.1, 1.0, 7.0]  # the bounds themselves and above the last one
    direct_registry, direct_hist, direct_count = registry_pair()
    for value in values:
        direct_hist.labels("a").observe(value)
        direct_count.labels("a").inc()
    batched_registry, batched_hist, batched_count = registry_pair()
    batcher = Batcher()
    tally = BatchedHistogram(batcher, batched_hist.labels("a"), batched_count.labels("a"))
    for value in values:
        tally.observe(value)
    assert batched_count.labels("a")._value.get() == 0  # nothing written yet
    batcher.flush()

    def without_created(registry: CollectorRegistry) -> str:
        return "\n".join(line for line in generate_latest(registry).decode().splitlines() if "_created" not in line)

    assert without_created(batched_registry) == without_created(direct_registry)


async def test_the_loop_flushes_within_the_interval() -> None:
    _registry, hist, count = registry_pair()
    batcher = Batcher(interval=0.05)
    tally = BatchedHistogram(batcher, hist.labels("a"), count.labels("a"))
    tally.observe(0.002)
    tally.observe(0.2)
    assert batcher.scheduled
    await asyncio.sleep(0.15)
    assert count.labels("a")._value.get() == 2 and not batcher.scheduled
