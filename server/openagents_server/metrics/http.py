"""Counts HTTP requests by route template and status, with latency.

``RequestIdMiddleware`` (observability.py), the outermost HTTP layer, reports every response here, so
assets, the shell, 404s and errors are all counted, without a second send wrapper per request.
The label of a request is its Litestar route template (``/api/runtime/workers/{worker_id:str}``);
requests the router never saw get a fixed bucket (``static`` for shell assets and pages,
``unmatched`` for the rest), so a scan of random paths cannot grow the series count.

Cost: one ``perf_counter`` pair and a tally in plain Python per request (the shared
memory-mapped values are written once a second, ``batch.py``); the labelled children are cached
per (method, route, status), so no label lookup runs per request (bench/metrics_overhead.py).
"""

from __future__ import annotations

from litestar.types import Scope

from openagents_server.metrics.batch import BatchedHistogram, Batcher
from openagents_server.metrics.families import HTTP_LATENCY, HTTP_REQUESTS

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Bounds the children cache (route templates × methods × statuses stay far below it).
_MAX_CHILDREN = 4096


class HttpMetrics:
    def __init__(self, batcher: Batcher | None = None) -> None:
        self.batcher = batcher or Batcher()
        self._children: dict[tuple[str, str, int], BatchedHistogram] = {}

    def _child(self, method: str, route: str, status: int) -> BatchedHistogram:
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            if len(self._children) >= _MAX_CHILDREN:
                method, route = "OTHER", "overflow"
                key = (method, route, status)
                child = self._children.get(key)
            if child is None:
                child = self._children[key] = BatchedHistogram(
                    self.batcher, HTTP_LATENCY.labels(method, route), HTTP_REQUESTS.labels(method, route, str(status)))
        return child

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        """Called by ``RequestIdMiddleware`` once the response is done (status 500 if none started)."""
        method = scope["method"]
        if method not in _METHODS:
            method = "OTHER"
        route = scope.get("path_template")
        if route is None:
            route = "static" if not scope["path"].startswith(("/api/", "/internal/")) else "unmatched"
        self._child(method, route, status).observe(seconds)
