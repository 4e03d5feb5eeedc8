"""Stopping granian while a worker is still building the app stops it (no worker left serving).

The master's SIGTERM handler is inherited by a forked worker until granian installs the worker's own,
after the app factory returns; a stop arriving in between used to be swallowed and granian waited for
that worker forever (``make serve`` hung on Ctrl-C; CI, 2026-12-06). worker_signals.py holds it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]


def _stop_during_factory(tmp_path: Path, hold: bool) -> subprocess.Popen[bytes]:
    marker = tmp_path / "factory-running"
    env = {**os.environ, "SLOW_FACTORY_MARKER": str(marker), "SLOW_FACTORY_SECONDS": "3",
           "SLOW_FACTORY_HOLD": "1" if hold else "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop", "--runtime-mode", "st",
               "--port", str(free_port()), "--workers", "1", "--log-level", "warning", "--factory",
               "tests.support.slow_factory_app:create"]
    granian = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline, "the worker's factory never ran"
        assert granian.poll() is None
        time.sleep(0.02)
    granian.send_signal(signal.SIGTERM)  # the master terminates its worker, which is inside the factory
    return granian


def test_a_stop_during_the_app_factory_stops_the_worker(tmp_path: Path) -> None:
    granian = _stop_during_factory(tmp_path, hold=True)
    assert granian.wait(30) == 0


def test_without_holding_the_signal_the_worker_is_left_serving(tmp_path: Path) -> None:
    """The failure the fix is for, so the test above cannot pass for another reason."""
    granian = _stop_during_factory(tmp_path, hold=False)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            granian.wait(10)
    finally:
        workers = subprocess.run(["pgrep", "-P", str(granian.pid)], capture_output=True, text=True, check=False)
        for pid in workers.stdout.split():
            os.kill(int(pid), signal.SIGKILL)
        os.kill(granian.pid, signal.SIGKILL)
        granian.wait()
