"""Where one applied webhook's time goes, in-process (no HTTP): the same statements the server runs,
against a fresh database of the private bench cluster (fsync on), at the server's pool size.

Variants, each for ``--seconds`` with ``--concurrency`` tasks:
* ``status read``: the duplicate check alone (one SELECT);
* ``claim+advance``: one transaction with the claim/advance statement, no Khala append;
* ``full``: what ``webhooks.ingest`` does per webhook (status read, claim+advance, Khala append, commit);
* ``full, async commit``: the same with ``synchronous_commit = off`` (what the fsync costs; not adopted);
* ``batched xN``: N webhooks in one transaction (group commit; one WAL flush for N);
* ``one statement``: what ``webhooks.ingest`` does now (ADR 0903): one read, then one autocommitted
  ``integrations_apply_webhook`` call (claim, advance and Khala append together).
Usage: .venv/bin/python bench/integrations_webhooks_profile.py [--seconds 5] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time

import asyncpg
from _common import fresh_database, start_cluster, stop_cluster
from openagents_server.domains.integrations import repository
from openagents_server.domains.integrations.events import delivery_changed, delivery_event
from openagents_server.khala import log

PEOPLE = 500
MESSAGES = 400_000


async def seed(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        users = [(f"usr_bench{i:04d}", "local", f"local_bench{i}", f"bench{i}@example.com") for i in range(PEOPLE)]
        await conn.copy_records_to_table("users", records=users, columns=["id", "provider", "provider_user_id", "email"])
        rows = [(f"em_{i:07d}", users[i % PEOPLE][0], "someone@example.com", "bench", "sent", 1) for i in range(MESSAGES)]
        await conn.copy_records_to_table("email_deliveries", records=rows, columns=[
            "message_id", "user_id", "to_address", "subject", "state", "state_rank"])
    finally:
        await conn.close()


_ids = itertools.count()
BODY = b'{"type":"email.delivered","data":{"email_id":"x"}}'


async def one(conn: asyncpg.Connection) -> None:
    i = next(_ids)
    row = await repository.apply_event(conn, f"msg_{i}", "resend", "email.delivered", f"em_{i:07d}", BODY,
                                       "delivered", 2, None)
    if row.outcome == "applied":
        await delivery_changed(conn, row.user_id, {"message_id": f"em_{i:07d}", "to": row.to_address,
                                                   "subject": row.subject, "state": row.state})


async def variant(pool: asyncpg.Pool, name: str, seconds: float, concurrency: int) -> float:
    done = 0
    stop = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < stop:
            if name == "status read":
                await repository.event_status(pool, "msg_none")
                done += 1
            elif name == "claim+advance":
                async with pool.acquire() as conn, conn.transaction():
                    i = next(_ids)
                    await repository.apply_event(conn, f"msg_{i}", "resend", "email.delivered", f"em_{i:07d}",
                                                 BODY, "delivered", 2, None)
                done += 1
            elif name == "one statement":
                i = next(_ids)
                ctx = await repository.webhook_context(pool, f"msg_{i}", f"em_{i:07d}")
                event = delivery_event(ctx.user_id, {"message_id": f"em_{i:07d}", "to": ctx.to_address,
                                                     "subject": ctx.subject, "state": "delivered"})
                await repository.apply_webhook(pool, f"msg_{i}", "resend", "email.delivered", f"em_{i:07d}", BODY,
                                               "delivered", 2, None, event)
                done += 1
            elif name.startswith("batched"):
                n = int(name.split("x")[1])
                async with log.unit_of_work(pool) as conn:
                    for _ in range(n):
                        await one(conn)
                done += n
            else:
                await repository.event_status(pool, "msg_none")
                async with log.unit_of_work(pool) as conn:
                    if name.endswith("async commit"):
                        await conn.execute("SET LOCAL synchronous_commit = off")
                    await one(conn)
                done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / seconds


async def run(dsn: str, seconds: float, concurrency: int) -> None:
    await seed(dsn)
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    for name in ("status read", "claim+advance", "full", "one statement", "full, async commit", "batched x8",
                 "full", "one statement", "batched x8", "full", "one statement"):
        rate = await variant(pool, name, seconds, concurrency)
        print(f"{name:22s} {rate:8.0f} /s   ({concurrency / rate * 1000:6.2f} ms each at {concurrency} in flight)")
    await pool.close()


def main(seconds: float, concurrency: int) -> None:
    cluster = start_cluster()
    try:
        asyncio.run(run(fresh_database(cluster), seconds, concurrency))
    finally:
        stop_cluster(cluster)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    main(args.seconds, args.concurrency)
