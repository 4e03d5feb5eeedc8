"""``GET /metrics``: every worker's values summed (multiprocess) plus cluster gauges read at scrape.

Access (``OPENAGENTS_METRICS_TOKEN``): with a token set, a scrape must send
``Authorization: Bearer <token>``; without one, only a direct loopback peer may scrape (a request a
proxy forwarded — it carries ``X-Forwarded-For`` — is refused). ``OPENAGENTS_METRICS_ENABLED=false``
turns collection and the endpoint off (404).
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

import asyncpg
import structlog
from litestar import Controller, Request, Response, get
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from openagents_server.dependencies import AppSettings, DbPool
from openagents_server.errors import Forbidden, NotFound, Unauthorized
from openagents_server.khala.metrics import NODE_STALE_SECONDS
from openagents_server.metrics.multiproc import process_metrics
from openagents_server.settings import Settings

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_log = structlog.get_logger("openagents.metrics")


def operator_access(request: Request[Any, Any, Any], settings: Settings, what: str) -> None:
    """Operator endpoints (``/metrics``, the smoke stream): the operator token, or a direct loopback peer."""
    if settings.metrics_token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
            raise Unauthorized("unauthorized", f"{what} needs Authorization: Bearer <OPENAGENTS_METRICS_TOKEN>.")
        return
    peer = request.client.host if request.client else ""
    if peer not in _LOOPBACK or "x-forwarded-for" in request.headers:
        raise Forbidden("operator_only",
                        f"{what} is served to loopback only; set OPENAGENTS_METRICS_TOKEN to reach it from elsewhere.")


def check_access(request: Request[Any, Any, Any], settings: Settings) -> None:
    if not settings.metrics_enabled:
        raise NotFound("not_found", "Not found.")
    operator_access(request, settings, "Scraping /metrics")


class _Snapshot:
    """A collector over values read from PostgreSQL just before rendering."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families


#: The families read from PostgreSQL at scrape time (:func:`cluster_families`).
CLUSTER_FAMILIES = ("openagents_bundle_in_use", "openagents_bundle_canary_percent", "openagents_bundle_killswitch",
                    "openagents_khala_nodes", "openagents_routing_controls", "openagents_runtime_workers",
                    "openagents_metrics_cluster_read_ok")


async def cluster_families(pool: asyncpg.Pool) -> list[GaugeMetricFamily]:
    """Values every node agrees on (they live in PostgreSQL): bundle per cohort, nodes, controls."""
    async with pool.acquire(timeout=2) as conn:
        rollout = await conn.fetchrow("SELECT active_build_id, canary_build_id, canary_percent, killswitch "
                                      "FROM web_rollout LIMIT 1")
        nodes = await conn.fetchval("SELECT count(*) FROM khala_node_stats WHERE updated_at > now() - "
                                    "make_interval(secs => $1)", NODE_STALE_SECONDS)
        controls = await conn.fetch("SELECT kind, count(*) AS n FROM ops_routing_controls GROUP BY kind")
        workers = await conn.fetch("SELECT status, count(*) AS n FROM runtime_workers GROUP BY status")
    bundle = GaugeMetricFamily("openagents_bundle_in_use", "Bundle served to each cohort (1 = in use)",
                               labels=["cohort", "build_id"])
    canary = GaugeMetricFamily("openagents_bundle_canary_percent", "Share of devices in the canary cohort")
    kill = GaugeMetricFamily("openagents_bundle_killswitch", "Service-worker kill switch (1 = on)")
    if rollout is not None:
        bundle.add_metric(["active", rollout["active_build_id"] or "newest"], 1)
        if rollout["canary_build_id"]:
            bundle.add_metric(["canary", rollout["canary_build_id"]], 1)
        canary.add_metric([], rollout["canary_percent"] or 0)
        kill.add_metric([], 1 if rollout["killswitch"] else 0)
    node_family = GaugeMetricFamily("openagents_khala_nodes", "Khala nodes (worker processes) that published "
                                    f"stats in the last {NODE_STALE_SECONDS} s", value=nodes)
    control_family = GaugeMetricFamily("openagents_routing_controls", "Routing controls in force, by kind",
                                       labels=["kind"])
    for row in controls:
        control_family.add_metric([row["kind"]], row["n"])
    worker_family = GaugeMetricFamily("openagents_runtime_workers", "Runtime workers by status", labels=["status"])
    for row in workers:
        worker_family.add_metric([row["status"]], row["n"])
    return [bundle, canary, kill, node_family, control_family, worker_family]


async def render(pool: asyncpg.Pool) -> bytes:
    body = await asyncio.to_thread(process_metrics)
    try:
        families = await cluster_families(pool)
    except Exception as exc:  # noqa: BLE001 - a database outage must not hide the process metrics
        _log.warning("metrics_cluster_read_failed", error=f"{type(exc).__name__}: {exc}")
        families = [GaugeMetricFamily("openagents_metrics_cluster_read_ok", "Cluster gauges were read", value=0)]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(families))  # type: ignore[arg-type]
    return body + generate_latest(registry)


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get("/", summary="Prometheus metrics (text format)")
    async def metrics(self, request: Request[Any, Any, Any], settings: AppSettings, pool: DbPool) -> Response[bytes]:
        check_access(request, settings)
        return Response(await render(pool), media_type=CONTENT_TYPE_LATEST,
                        headers={"cache-control": "no-store"})
