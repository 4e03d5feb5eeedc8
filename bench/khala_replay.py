#!/usr/bin/env python3
"""Replay: a client 10 000 events behind resumes; time from SUBSCRIBE to the replay_complete batch.

Baseline (same run): reading the same 10 000 rows straight from PostgreSQL with asyncpg (one query,
no encoding, no socket) — the floor any replay over this log pays. Goal: Khala ≤ 1 s.

  .venv/bin/python bench/khala_replay.py [--events 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import websockets
from openagents_proto.sync import domain as d
from openagents_proto.sync.v1 import khala_pb2
from openagents_server.khala import codec, log
from openagents_server.khala.tokens import SigningKeys, mint_sync_token
from openagents_server.settings import Settings

TOPIC = "run:replay:events"


async def fill(dsn: str, events: int) -> None:
    conn = await asyncpg.connect(dsn)
    await log.register_topic(conn, TOPIC, owner_user_id="u1")
    await conn.execute(
        """
        WITH rows AS (SELECT g, convert_to('{"detail":"' || repeat('x', 200) || '","n":' || g || '}', 'UTF8') AS body
                      FROM generate_series(1, $2) g)
        INSERT INTO khala_events (topic, seq, topic_class, kind, doc_key, doc_version, payload, payload_hash)
        SELECT $1, g, 'run_events', 'upsert', 'd' || (g % 50), g, body, 'sha256:' || encode(sha256(body), 'hex')
        FROM rows
        """,
        TOPIC, events,
    )
    await conn.execute("UPDATE khala_topics SET head_seq = $2 WHERE topic = $1", TOPIC, events)
    await conn.close()


async def raw_read(dsn: str, events: int) -> float:
    conn = await asyncpg.connect(dsn)
    start = time.perf_counter()
    rows = await conn.fetch("SELECT seq, kind, doc_key, doc_version, payload, payload_hash FROM khala_events "
                            "WHERE topic = $1 AND seq > 0 ORDER BY seq", TOPIC)
    elapsed = time.perf_counter() - start
    assert len(rows) == events
    await conn.close()
    return elapsed


async def khala_replay(ws_url: str, events: int) -> float:
    keys = SigningKeys.parse(Settings().sync_token_secret)
    token, _ = mint_sync_token(keys, user_id="u1", org_id="o1", session_id="s", device_id="d",
                               scopes=["runtime.run_events"], topics=[TOPIC])
    async with websockets.connect(ws_url + "/sync/socket", subprotocols=["khala.ws.v1"], max_size=None,
                                  ping_interval=None, compression=None) as ws:
        await ws.send(codec.encode_client(d.Hello(sync_token=token, client_build_id="bench",
                                                  protocol_version="khala.ws.v1", schema_version=1)))
        await ws.recv()
        start = time.perf_counter()
        await ws.send(codec.encode_client(d.Subscribe(topics=(TOPIC,), request_id="r")))
        received, last = 0, 0
        while True:
            frame = khala_pb2.KhalaFrame()
            frame.ParseFromString(await ws.recv())
            if frame.kind != khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH:
                continue
            batch = khala_pb2.UpdateBatch()
            batch.ParseFromString(frame.payload_bytes)
            for u in batch.updates:
                assert u.watermark == last + 1
                last = u.watermark
            received += len(batch.updates)
            if batch.replay_complete:
                break
        elapsed = time.perf_counter() - start
        assert received == events, received
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    from bench._common import fresh_database, start_cluster, stop_cluster
    from tests.support.servers import LiveServer

    cluster = start_cluster()
    dsn = fresh_database(cluster)
    asyncio.run(fill(dsn, args.events))
    server = LiveServer(dsn).start()
    try:
        raw, khala = [], []
        for _ in range(args.rounds):
            raw.append(asyncio.run(raw_read(dsn, args.events)))
            khala.append(asyncio.run(khala_replay(server.ws_url, args.events)))
    finally:
        server.stop()
        stop_cluster(cluster)
    r, k = statistics.median(raw), statistics.median(khala)
    print(f"=== Replay: resume {args.events} events behind → replay_complete; median of {args.rounds} "
          f"(machine shared with other engineers) ===")
    print(f"baseline raw asyncpg SELECT of the rows : {r * 1000:8.1f} ms   runs {[round(x * 1000) for x in raw]}")
    print(f"khala SUBSCRIBE → replay_complete        : {k * 1000:8.1f} ms   runs {[round(x * 1000) for x in khala]}")
    print(f"ratio khala / raw read: {k / r:.1f}x;  goal ≤ 1000 ms: {'met' if k <= 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
