"""The multiprocess directory: where every granian worker writes its values, and their sum.

Light on imports on purpose: ``serve`` and the tests' live servers use it before any app exists.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

#: prometheus_client reads it when a metric is created: set it before granian starts the workers.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_PID_FILE = re.compile(r"^gauge_livesum_(\d+)\.db$")


def fresh_metrics_dir(parent: Path) -> str:
    """An empty ``parent/prometheus``; emptied at each start (counters restart with the server, as
    Prometheus expects of a restarted target)."""
    path = parent / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return str(path)


def multiproc_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prune_dead_workers(path: str) -> None:
    """Drop the live gauges of workers that exited (granian restarts a crashed worker with a new pid)."""
    for entry in Path(path).iterdir():
        match = _PID_FILE.match(entry.name)
        if not match:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, path)
        except PermissionError:
            pass


def process_metrics() -> bytes:
    """Every worker's families: summed from the shared directory, or this process's own values."""
    path = multiproc_dir()
    if path is None:
        return generate_latest(REGISTRY)
    prune_dead_workers(path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return generate_latest(registry)
