"""Log lines go to the process's stderr as it is when they are written."""

from __future__ import annotations

import io
import json
import sys

import pytest
import structlog
from openagents_server.observability import configure_logging


def test_logging_survives_the_stream_it_was_configured_with_being_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging("info")
    first.close()  # e.g. the capture of the test that created the app
    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    structlog.get_logger("t").warning("rollout_read_failed", error="x")
    line = json.loads(now.getvalue())
    assert line["event"] == "rollout_read_failed" and line["level"] == "warning" and line["error"] == "x"
