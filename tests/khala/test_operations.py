"""Operator surface: metrics and publish endpoints (internal signed key), the CLI, the retention job."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import asyncpg
import httpx
from openagents_proto.sync import domain as d
from openagents_server.khala import log, retention
from openagents_server.khala.internal_auth import sign, verify
from openagents_server.settings import Settings

from tests.khala.support import KhalaClient, token

KEY = Settings().internal_api_key
METRICS = "/api/internal/khala/metrics"
PUBLISH = "/api/internal/khala/publish"


def test_internal_signature_is_bound_to_time_method_and_path() -> None:
    headers = sign(KEY, "GET", METRICS, timestamp=1_000)
    ts, mac = headers["x-oa-internal-timestamp"], headers["x-oa-internal-signature"]
    assert verify(KEY, "GET", METRICS, ts, mac, now=1_030)
    assert not verify(KEY, "GET", METRICS, ts, mac, now=1_061)  # too old
    assert not verify(KEY, "POST", METRICS, ts, mac, now=1_000)  # other method
    assert not verify(KEY, "GET", PUBLISH, ts, mac, now=1_000)  # other path
    assert not verify("other-key", "GET", METRICS, ts, mac, now=1_000)


async def test_metrics_report_connections_deliveries_and_disconnect_causes(live_server) -> None:
    server = live_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        assert (await http.get(METRICS)).status_code == 401
        assert (await http.get(METRICS, headers={"x-oa-internal-timestamp": str(int(time.time())),
                                                 "x-oa-internal-signature": "0" * 64})).status_code == 401
        client = await KhalaClient.connect(server.ws_url)
        await client.hello()
        await client.subscribe(["user:u1:workers"])
        published = await http.post(PUBLISH, json={"topic": "user:u1:workers", "doc_key": "w", "payload": {"a": 1}},
                                    headers=sign(KEY, "POST", PUBLISH))
        assert published.status_code == 201 and published.json()["data"]["seq"] == 1
        await client.batches({"user:u1:workers": 1})
        intruder = await KhalaClient.connect(server.ws_url)
        await intruder.hello(token(user="u2"))
        await intruder.send(d.Subscribe(topics=("user:u1:workers",)))
        await intruder.expect_close()
        data = (await http.get(METRICS, headers=sign(KEY, "GET", METRICS))).json()["data"]["node"]
    assert data["connections"] == 1 and data["subscriptions"] == 1
    assert data["published"] == {"worker_lifecycle": 1} and data["delivered"] == {"worker_lifecycle": 1}
    assert data["disconnects"].get("not_owner") == 1
    assert data["recent_disconnects"][-1]["close_code"] == 4003
    await client.close()


async def test_publish_endpoint_maps_append_errors_to_the_envelope(live_server) -> None:
    server = live_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        async def post(body: dict) -> httpx.Response:
            return await http.post(PUBLISH, json=body, headers=sign(KEY, "POST", PUBLISH))

        too_big = await post({"topic": "user:u1:notifications", "doc_key": "n", "payload": "x" * 70_000})
        assert too_big.status_code == 413
        assert too_big.json()["error"]["reason"] == "khala_frame_payload_too_large"
        ok = await post({"topic": "user:u1:notifications", "doc_key": "n", "payload": 1, "expected_previous_seq": 0})
        assert ok.status_code == 201
        conflict = await post({"topic": "user:u1:notifications", "doc_key": "n", "payload": 2,
                               "expected_previous_seq": 0})
        assert conflict.status_code == 409 and conflict.json()["error"]["head"] == 1
        bad_topic = await post({"topic": "nope", "doc_key": "n", "payload": 1})
        assert bad_topic.status_code == 422 and bad_topic.json()["error"]["reason"] == "invalid_topic"
        unsigned = await http.post(PUBLISH, json={"topic": "user:u1:notifications", "doc_key": "n", "payload": 1})
        assert unsigned.status_code == 401


def _cli(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openagents_server.cli", "khala", *args], input=stdin, capture_output=True,
        text=True, timeout=60, check=False, env={"OPENAGENTS_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
    )


def test_cli_publish_tail_stats_prune(database_url: str) -> None:
    first = _cli(database_url, "publish", "user:u1:notifications", "-k", "n1", "-p", '{"b": 1, "a": [1]}')
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["seq"] == 1
    retry = _cli(database_url, "publish", "user:u1:notifications", "-k", "n1", "-p", "-",
                 "--idempotency-key", "once", stdin='{"x": 2}')
    again = _cli(database_url, "publish", "user:u1:notifications", "-k", "n1", "-p", '{"x": 2}',
                 "--idempotency-key", "once")
    assert json.loads(retry.stdout)["seq"] == json.loads(again.stdout)["seq"] == 2
    refused = _cli(database_url, "publish", "chat:1", "-k", "x", "-p", "1")
    assert refused.returncode == 1 and "invalid_topic" in refused.stderr
    tail = _cli(database_url, "tail", "user:u1:notifications", "--after", "0")
    lines = [json.loads(line) for line in tail.stdout.splitlines()]
    assert [(e["seq"], e["payload"]) for e in lines] == [(1, {"a": [1], "b": 1}), (2, {"x": 2})]
    stats = _cli(database_url, "stats", "--json")
    classes = json.loads(stats.stdout)["classes"]
    assert classes == [{**classes[0], "topic_class": "notifications", "topics": 1, "appended": 2, "retained": 2}]
    prune = _cli(database_url, "prune")
    assert json.loads(prune.stdout)["notifications"] == 0


async def test_retention_job_runs_on_one_node_at_a_time(database_url: str, db: asyncpg.Connection) -> None:
    await log.append(db, "user:u1:notifications", doc_key="n", payload=1)
    await db.execute("UPDATE khala_events SET created_at = now() - interval '13 hours'")
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as holder:
            await holder.execute("SELECT pg_advisory_lock($1)", retention.RETENTION_LOCK_KEY)
            assert await retention.run_once(pool) is None  # another node is pruning
            await holder.execute("SELECT pg_advisory_unlock($1)", retention.RETENTION_LOCK_KEY)
        assert (await retention.run_once(pool))["notifications"] == 1
    finally:
        await pool.close()


async def test_metrics_cover_every_worker(live_server) -> None:
    import asyncio

    server = live_server(workers=2)
    clients, nodes = [], set()

    async def connect(n: int) -> KhalaClient:
        c = await KhalaClient.connect(server.ws_url)
        ok = await c.hello(token(user=f"m{n}"))  # distinct users: the cap is 16 per user
        nodes.add(ok.connection_id.split(".")[0])
        return c

    # Which worker accepts a connection is the kernel's choice; one at a time, an idle worker can win
    # every accept. Connecting in bursts keeps both workers busy enough to share them.
    while len(nodes) < 2:
        assert len(clients) < 200
        clients += await asyncio.gather(*(connect(len(clients) + i) for i in range(10)))

    await asyncio.sleep(5.5)  # every node publishes its counters at least once meanwhile
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        data = (await http.get(METRICS, headers=sign(KEY, "GET", METRICS))).json()["data"]
    assert {n["node_id"] for n in data["nodes"]} == nodes
    assert data["totals"]["connections"] == len(clients)
    for c in clients:
        await c.close()
