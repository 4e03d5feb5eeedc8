#!/usr/bin/env python3
"""Runtime event log: appends/s of streaming deltas with the read-model projection in the same
transaction, against the same appends without it (same run, same cluster, fsync on).

Both: 16 concurrent writers, one ``item/agentMessage/delta`` event per ``log.unit_of_work``
transaction on the writer's run topic (a new run every 100 appends, as turns are short and the
per-topic publish limit is 240/s). With projection, the transaction also applies the event to the
read models (``projector.apply``: checkpoint check and update, the message's text grows) — what
``POST /api/runtime/codex/workers/{id}/events`` does per delta. Goal: ratio >= 0.5.

  .venv/bin/python bench/runtime_event_log.py [--seconds 8] [--writers 16] [--rounds 3]
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
from openagents_server.domains.runtime import projector
from openagents_server.khala import log

USER = "usr_bench"


async def _new_run(pool: asyncpg.Pool, run_id: str) -> dict:
    """A run with its thread, assistant message and checkpoint, as a turn in progress has them."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO runtime_runs (id, owner_user_id, worker_id, request_id, thread_id, status) "
                           "VALUES ($1, $2, 'w_bench', $1, $1, 'running')", run_id, USER)
        await conn.execute("INSERT INTO runtime_threads (id, worker_id, owner_user_id) VALUES ($1, 'w_bench', $2)",
                           run_id, USER)
        await conn.execute("INSERT INTO runtime_messages (thread_id, item_id, run_id, turn_id, role, position) "
                           "VALUES ($1, 'item', $1, 'turn', 'assistant', 1)", run_id)
    return {"id": run_id, "worker_id": "w_bench", "owner_user_id": USER}


async def _writer(pool: asyncpg.Pool, w: int, deadline: float, counts: list[int], tag: str, project: bool) -> None:
    i, run = 0, None
    while time.monotonic() < deadline:
        if i % 100 == 0:
            run = await _new_run(pool, f"b{tag}w{w}n{i // 100}")
        payload = {"type": "codex.notification", "method": "item/agentMessage/delta",
                   "params": {"thread_id": run["id"], "turn_id": "turn", "item_id": "item", "delta": f" word{i}"}}
        async with log.unit_of_work(pool) as conn:
            appended = await log.append(conn, f"run:{run['id']}:events", doc_key=run["id"], payload=payload,
                                        kind="codex.notification")
            if project:
                await projector.apply(conn, run, appended.seq, "codex.notification", payload)
        i += 1
    counts[w] = i


async def _measure(dsn: str, writers: int, seconds: float, tag: str, project: bool) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=writers, max_size=writers)
    try:
        counts = [0] * writers
        start = time.monotonic()
        await asyncio.gather(*(_writer(pool, w, start + seconds, counts, tag, project) for w in range(writers)))
        elapsed = time.monotonic() - start
        await log.flush_notifications(pool)
        return sum(counts) / elapsed
    finally:
        await pool.close()


async def run(dsn: str, writers: int, seconds: float, rounds: int) -> dict:
    conn = await asyncpg.connect(dsn)
    await conn.execute("INSERT INTO users (id, provider, provider_user_id, email) VALUES ($1, 'local', $1, 'b@x.io')", USER)
    await conn.execute("INSERT INTO runtime_workers (id, owner_user_id, status, adapter) VALUES ('w_bench', $1, 'running', 'demo')", USER)
    await conn.close()
    plain, projected = [], []
    for r in range(rounds):  # interleaved, so load from other processes hits both alike
        plain.append(await _measure(dsn, writers, seconds, f"p{r}", False))
        projected.append(await _measure(dsn, writers, seconds, f"j{r}", True))
    plain.sort()
    projected.sort()
    return {"plain": plain[len(plain) // 2], "projected": projected[len(projected) // 2],
            "plain_all": plain, "projected_all": projected}


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
    print(f"=== Runtime event log: {args.writers} writers, one delta per transaction, {args.rounds} × {args.seconds:g} s "
          f"(median; fsync on; machine shared with other engineers) ===")
    print(f"baseline log.append without projection : {result['plain']:8.0f} appends/s   runs "
          f"{[round(x) for x in result['plain_all']]}")
    print(f"log.append + projection, same tx       : {result['projected']:8.0f} appends/s   runs "
          f"{[round(x) for x in result['projected_all']]}")
    ratio = result["projected"] / result["plain"]
    print(f"ratio projected / plain: {ratio:.2f}  (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(json.dumps({"bench": "runtime_event_log", **result, "ratio": ratio}))


if __name__ == "__main__":
    main()
