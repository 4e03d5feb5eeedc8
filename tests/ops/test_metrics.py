"""``/metrics``: Prometheus text, every granian worker counted, protected by a setting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from openagents_server.khala.internal_auth import sign
from openagents_server.settings import Settings
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.khala.support import KhalaClient, token

KEY = Settings().internal_api_key
PUBLISH = "/api/internal/khala/publish"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def value(parsed: dict, name: str, **labels: str) -> float:
    return parsed.get((name, frozenset(labels.items())), 0.0)


async def scrape(http: httpx.AsyncClient) -> dict:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def per_worker_counts(directory: Path, needle: str) -> dict[str, float]:
    """The value each worker process wrote for series containing ``needle`` (one file per pid)."""
    counts: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        total = sum(row[1] for row in MmapedDict.read_all_values_from_file(str(path)) if needle in row[0])
        counts[path.stem] = total
    return counts


async def test_a_scrape_counts_http_and_khala_load_across_two_workers_within_one_percent(live_server,
                                                                                      tmp_path: Path) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    server = live_server(workers=2, env={"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    health, me, sockets, events = 600, 200, 8, 25
    topic = "user:u1:workers"
    limits = httpx.Limits(max_connections=16)  # 16 connections: the kernel spreads them over both workers
    async with httpx.AsyncClient(base_url=server.url, timeout=httpx.Timeout(20, pool=None), limits=limits) as http:
        await asyncio.sleep(1.2)  # the start-up health probes reach the shared values (flushed each second)
        before = await scrape(http)
        clients = []
        for _ in range(sockets):
            client = await KhalaClient.connect(server.ws_url)
            await client.hello(token(user="u1"))
            await client.subscribe([topic])
            clients.append(client)

        async def hit(path: str) -> int:
            return (await http.get(path)).status_code

        statuses = await asyncio.gather(*([hit("/healthz") for _ in range(health)] + [hit("/api/me") for _ in range(me)]))
        assert statuses.count(200) == health and statuses.count(401) == me
        for n in range(events):
            published = await http.post(PUBLISH, json={"topic": topic, "doc_key": f"w{n}", "payload": {"n": n}},
                                        headers=sign(KEY, "POST", PUBLISH))
            assert published.status_code == 201
        await asyncio.gather(*(c.batches({topic: events}) for c in clients))
        await asyncio.sleep(2.5)  # one sampler period: the socket gauges are sampled, counters are not
        after = await scrape(http)
        for client in clients:
            await client.close()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # the scrape before is itself one /metrics request; /healthz and /api/me only come from the load
    assert abs(delta("openagents_http_requests_total", method="GET", route="/healthz", status="200") - health) <= health / 100
    assert abs(delta("openagents_http_requests_total", method="GET", route="/api/me", status="401") - me) <= me / 100
    assert delta("openagents_http_request_duration_seconds_count", method="GET", route="/healthz") == health
    delivered = delta("openagents_khala_delivered_events_total", topic_class="worker_lifecycle")
    assert abs(delivered - sockets * events) <= sockets * events / 100
    assert delta("openagents_khala_connections_opened_total") == sockets
    assert value(after, "openagents_khala_connections") == sockets
    assert value(after, "openagents_khala_subscriptions") == sockets
    assert value(after, "openagents_khala_nodes") == 2
    assert value(after, "openagents_db_pool_max_connections", pool="main") == 2 * Settings().db_pool_max
    assert value(after, "openagents_db_query_duration_seconds_count", pool="main") > 0
    # both workers served part of the load, and the scrape summed them
    workers = per_worker_counts(directory, '"/healthz"')
    assert len([c for c in workers.values() if c > 0]) == 2, workers


async def test_metrics_are_refused_to_a_forwarded_request_without_a_token(live_server) -> None:
    server = live_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        assert (await http.get("/metrics")).status_code == 200
        refused = await http.get("/metrics", headers={"x-forwarded-for": "203.0.113.9"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "operator_only"


async def test_a_metrics_token_is_required_when_set(live_server) -> None:
    server = live_server(env={"OPENAGENTS_METRICS_TOKEN": "scrape-me-0123456789"})
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 401
        ok = await http.get("/metrics", headers={"authorization": "Bearer scrape-me-0123456789",
                                                 "x-forwarded-for": "203.0.113.9"})
        assert ok.status_code == 200 and "openagents_http_requests_total" in ok.text


async def test_metrics_switched_off_are_not_served(live_server) -> None:
    server = live_server(env={"OPENAGENTS_METRICS_ENABLED": "false"})
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        assert (await http.get("/metrics")).status_code == 404
