"""Prometheus metrics: the families (``families.py``), the HTTP middleware (``http.py``), the
per-process sampler (``sampler.py``) and the ``/metrics`` exposition (``exposition.py``).

Multiprocess: ``openagents serve`` (and the tests' live servers) point ``PROMETHEUS_MULTIPROC_DIR``
at a fresh directory before granian starts, so every worker writes its values to memory-mapped files
there and a scrape of any worker reports the sum over all of them (``prometheus_client.multiprocess``).
See docs/ops/METRICS.md and docs/adr/1100.
"""
