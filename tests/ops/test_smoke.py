"""The smoke stream and ``openagents smoke URL``: a deploy verified in one call, from outside."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openagents_server.db.embedded import EmbeddedPostgres

from tests.conftest import run_sync
from tests.support.servers import LiveServer

REPO = Path(__file__).resolve().parents[2]


def smoke_cli(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "openagents_server.cli", "smoke", url, *args],
                          env={**os.environ, **(env or {})}, cwd=REPO, capture_output=True, text=True, timeout=90,
                          check=False)


async def test_the_smoke_stream_does_a_khala_round_trip_and_advertises_its_event_kinds(live_server) -> None:
    server = live_server(workers=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for _ in range(3):  # whichever worker answers, through the NOTIFY fan-out
            answer = await http.get("/api/smoke/stream")
            assert answer.status_code == 200, answer.text
            data = answer.json()["data"]
            assert data["ok"] is True and data["transport"] == "websocket" and data["protocol"] == "khala.ws.v1"
            assert data["event_kinds"] == ["hello_ok", "subscribed", "update_batch", "smoke.ping"]
            assert data["kinds_seen"] == data["event_kinds"]
            assert [s["name"] for s in data["steps"]] == ["database", "khala.connect", "khala.round_trip"]
        refused = await http.get("/api/smoke/stream", headers={"x-forwarded-for": "198.51.100.7"})
        assert refused.status_code == 403
        metrics = (await http.get("/metrics")).text
    assert 'openagents_smoke_runs_total{outcome="pass"} 3.0' in metrics
    assert "openagents_smoke_khala_round_trip_seconds_count 3.0" in metrics


def test_openagents_smoke_passes_against_a_server_and_prints_json(live_server) -> None:
    server = live_server()
    result = smoke_cli(server.url, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["failure"] is None
    assert [s["name"] for s in report["steps"]] == ["readyz", "database", "khala.connect", "khala.round_trip"]
    human = smoke_cli(server.url)
    assert human.returncode == 0 and "smoke passed" in human.stderr


def test_openagents_smoke_sends_the_operator_token(live_server) -> None:
    server = live_server(env={"OPENAGENTS_METRICS_TOKEN": "operator-token-0123456789"})
    assert smoke_cli(server.url).returncode == 1
    assert smoke_cli(server.url, env={"OPENAGENTS_METRICS_TOKEN": "operator-token-0123456789"}).returncode == 0


def test_openagents_smoke_fails_on_an_unreachable_server() -> None:
    result = smoke_cli("http://127.0.0.1:9")
    assert result.returncode == 1 and "unreachable" in result.stderr


@pytest.fixture
def own_cluster() -> Iterator[EmbeddedPostgres]:
    """A private cluster this test may stop (the session's shared one must stay up)."""
    root = REPO / "var" / "tmp" / f"smoke-{secrets.token_hex(4)}"
    cluster = EmbeddedPostgres(root, database="openagents", server_settings={"fsync": "off"})
    cluster.start()
    yield cluster
    if cluster.is_running():
        cluster.stop(mode="immediate")
    shutil.rmtree(root, ignore_errors=True)


def test_openagents_smoke_fails_with_a_clear_message_when_the_database_is_stopped(own_cluster) -> None:
    from openagents_server.serve import migrate

    run_sync(migrate(own_cluster.dsn()))
    server = LiveServer(own_cluster.dsn()).start()
    try:
        assert smoke_cli(server.url).returncode == 0
        own_cluster.stop(mode="fast")
        result = smoke_cli(server.url)
        assert result.returncode == 1 and "smoke failed" in result.stderr, result.stderr
        report = json.loads(smoke_cli(server.url, "--json").stdout)
        assert report["ok"] is False
        assert report["failure"].startswith("smoke stream answered 503: smoke step database failed: "
                                            "PostgreSQL is unreachable"), report["failure"]
        assert [s["name"] for s in report["steps"] if not s["ok"]] == ["readyz", "database"]
    finally:
        server.stop()
