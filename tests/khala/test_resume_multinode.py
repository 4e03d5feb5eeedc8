"""Crash + resume, and fan-out across processes: two servers on one database, and --workers 2."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from openagents_proto.sync import domain as d
from openagents_server.khala import log
from openagents_server.khala.internal_auth import sign
from openagents_server.settings import Settings

from tests.khala.support import Closed, KhalaClient, token

TOPIC = "run:r7:events"


async def _append_forever(pool: asyncpg.Pool, stop: asyncio.Event, count: list[int]) -> None:
    while not stop.is_set():
        async with pool.acquire() as conn:
            await log.append(conn, TOPIC, doc_key=f"e{count[0]}", payload={"n": count[0]})
        count[0] += 1
        await asyncio.sleep(0.01)


async def test_sigkill_mid_stream_then_resume_from_last_watermark_has_no_gap(live_server, database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    stop, count = asyncio.Event(), [0]
    try:
        await log.register_topic(pool, TOPIC, owner_user_id="u1")
        writer = asyncio.create_task(_append_forever(pool, stop, count))
        first = live_server()
        client = await KhalaClient.connect(first.ws_url)
        await client.hello(token())
        await client.subscribe([TOPIC])
        await client.batches({TOPIC: 40}, timeout=10)
        first.kill()  # SIGKILL: no goodbye, frames in flight are lost
        try:
            while True:
                message = await client.recv(5)
                if isinstance(message, d.UpdateBatch):
                    client.apply(message)
        except Closed:
            pass
        watermark = client.applied[TOPIC]
        await asyncio.sleep(0.3)  # the writer keeps appending while no server runs
        second = live_server()
        resumed = await KhalaClient.connect(second.ws_url)
        await resumed.hello(token())
        resumed.applied[TOPIC] = watermark
        await resumed.subscribe([TOPIC], {TOPIC: watermark})
        target = count[0] + 20
        await resumed.batches({TOPIC: target}, timeout=15)
        stop.set()
        await writer
        assert resumed.applied[TOPIC] >= target  # apply() asserted every seq arrived, in order
        assert resumed.duplicates == 0
        await resumed.close()
    finally:
        stop.set()
        await pool.close()


async def _publish(client: httpx.AsyncClient, base: str, topic: str, n: int) -> int:
    path = "/api/internal/khala/publish"
    headers = sign(Settings().internal_api_key, "POST", path)
    response = await client.post(base + path, json={"topic": topic, "doc_key": f"d{n}", "payload": {"n": n}},
                                 headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]["seq"]


async def test_publish_on_one_server_reaches_subscribers_on_another(live_server, database_url: str) -> None:
    a, b = live_server(), live_server()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await log.register_topic(pool, TOPIC, owner_user_id="u1")
    finally:
        await pool.close()
    subscribers = []
    for _ in range(3):
        c = await KhalaClient.connect(b.ws_url)
        await c.hello(token())
        await c.subscribe([TOPIC])
        subscribers.append(c)
    async with httpx.AsyncClient(timeout=10) as http:
        seqs = [await _publish(http, a.url, TOPIC, n) for n in range(50)]
    assert seqs == list(range(1, 51))
    for c in subscribers:
        await c.batches({TOPIC: 50}, timeout=10)
        assert c.applied[TOPIC] == 50 and c.duplicates == 0
        await c.close()


async def test_two_workers_deliver_to_sockets_on_both_workers(live_server, database_url: str) -> None:
    server = live_server(workers=2)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await log.register_topic(pool, TOPIC, owner_user_id="u1", owner_org_id="o1")
    finally:
        await pool.close()
    subscribers = []
    nodes: set[str] = set()
    while len(nodes) < 2 or len(subscribers) < 6:  # until both worker processes hold sockets
        assert len(subscribers) < 60, "granian never gave the second worker a connection"
        c = await KhalaClient.connect(server.ws_url)
        # Org members with distinct user ids: the per-user connection cap (16) must not interfere.
        welcome = await c.hello(token(user=f"member{len(subscribers)}", org="o1"))
        await c.subscribe([TOPIC])
        subscribers.append((c, welcome.connection_id))
        nodes.add(welcome.connection_id.split(".")[0])
    async with httpx.AsyncClient(timeout=10) as http:
        for n in range(40):
            await _publish(http, server.url, TOPIC, n)
    for c, _ in subscribers:
        await c.batches({TOPIC: 40}, timeout=10)
        assert c.applied[TOPIC] == 40 and c.duplicates == 0
        await c.close()
