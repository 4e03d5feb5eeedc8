#!/usr/bin/env python3
"""Append throughput: 16 concurrent writers, one event per transaction, Khala vs raw asyncpg inserts.

Baseline (same run, same cluster, fsync on): a plain ``INSERT`` of the same row into a table with the
same columns and primary key, one transaction each, seq chosen by the writer (no gap-free allocation,
no idempotency, no projection, no NOTIFY). Khala: ``log.append`` (khala_append(): lock the topic row,
check idempotency / expected seq / rate, insert the event, upsert the document) inside
``log.unit_of_work`` (NOTIFY right after COMMIT, the recommended path) and, for comparison, in a plain
transaction (NOTIFY inside it: PostgreSQL then serializes the commits of notifying transactions).
Each writer appends to its own run topics, switching topic every 100 appends (runs are many and
small; the per-topic publish limit is 240/s).

  .venv/bin/python bench/khala_append.py [--seconds 10] [--writers 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from openagents_server.khala import log
from openagents_server.khala.canonical import canonical_json, payload_hash

PAYLOAD = {"type": "run.step", "status": "running", "detail": "x" * 180, "n": 0}


async def _raw_writer(pool: asyncpg.Pool, w: int, deadline: float, counts: list[int], tag: str) -> None:
    i = 0
    while time.monotonic() < deadline:
        body = canonical_json({**PAYLOAD, "n": i})
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bench_raw (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash) "
                "VALUES ($1, $2, 'run_events', 'upsert', $3, $2, $4, $5)",
                f"run:raw{tag}w{w}-{i // 100}:events", i % 100 + 1, f"d{i % 8}", body, payload_hash(body),
            )
        i += 1
    counts[w] = i


async def _khala_writer(pool: asyncpg.Pool, w: int, deadline: float, counts: list[int], tag: str) -> None:
    i = 0
    while time.monotonic() < deadline:
        async with pool.acquire() as conn, conn.transaction():
            await log.append(conn, f"run:k{tag}w{w}-{i // 100}:events", doc_key=f"d{i % 8}", payload={**PAYLOAD, "n": i})
        i += 1
    counts[w] = i


async def _khala_uow_writer(pool: asyncpg.Pool, w: int, deadline: float, counts: list[int], tag: str) -> None:
    i = 0
    while time.monotonic() < deadline:
        async with log.unit_of_work(pool) as conn:
            await log.append(conn, f"run:u{tag}w{w}-{i // 100}:events", doc_key=f"d{i % 8}", payload={**PAYLOAD, "n": i})
        i += 1
    counts[w] = i


async def _measure(dsn: str, writer, writers: int, seconds: float, tag: str) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=writers, max_size=writers)
    try:
        counts = [0] * writers
        start = time.monotonic()
        await asyncio.gather(*(writer(pool, w, start + seconds, counts, tag) for w in range(writers)))
        elapsed = time.monotonic() - start
        await log.flush_notifications(pool)
        return sum(counts) / elapsed
    finally:
        await pool.close()


async def run(dsn: str, writers: int, seconds: float, rounds: int) -> dict[str, float]:
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE bench_raw (LIKE khala_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
                       "PRIMARY KEY (topic, seq))")
    await conn.close()
    raw, khala, uow = [], [], []
    for r in range(rounds):  # interleaved, so load from other processes hits all alike
        raw.append(await _measure(dsn, _raw_writer, writers, seconds, f"r{r}"))
        uow.append(await _measure(dsn, _khala_uow_writer, writers, seconds, f"r{r}"))
        khala.append(await _measure(dsn, _khala_writer, writers, seconds, f"r{r}"))
    for runs in (raw, khala, uow):
        runs.sort()
    return {"raw": raw[len(raw) // 2], "khala": khala[len(khala) // 2], "uow": uow[len(uow) // 2],
            "raw_all": raw, "khala_all": khala, "uow_all": uow}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from bench._common import fresh_database, start_cluster, stop_cluster

    cluster = start_cluster()
    try:
        dsn = fresh_database(cluster)
        result = asyncio.run(run(dsn, args.writers, args.seconds, args.rounds))
    finally:
        stop_cluster(cluster)
    print(f"=== Append: {args.writers} writers, one event per transaction, {args.rounds} × {args.seconds:g} s "
          f"(median; fsync on; machine shared with other engineers) ===")
    print(f"baseline raw asyncpg INSERT : {result['raw']:8.0f} appends/s   runs {[round(x) for x in result['raw_all']]}")
    print(f"khala log.unit_of_work      : {result['uow']:8.0f} appends/s   runs {[round(x) for x in result['uow_all']]}"
          "   (NOTIFY right after COMMIT)")
    print(f"khala log.append in a tx    : {result['khala']:8.0f} appends/s   runs {[round(x) for x in result['khala_all']]}"
          "   (NOTIFY inside the transaction)")
    ratio = result["uow"] / result["raw"]
    inline = result["khala"] / result["raw"]
    print(f"ratio khala (unit_of_work) / raw: {ratio:.2f}  (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"ratio khala (NOTIFY in transaction) / raw: {inline:.2f}")
    print(json.dumps({"bench": "khala_append", **result, "ratio": ratio, "ratio_inline_notify": inline}))


if __name__ == "__main__":
    main()
