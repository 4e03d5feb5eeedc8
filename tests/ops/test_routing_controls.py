"""Routing controls: stored in PostgreSQL, applied by every worker within seconds, audited."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from openagents_server.domains.ops.controls import Controls, cohort_bucket, driver_for
from openagents_server.domains.ops.repository import ControlRecord

from tests.identity.conftest import sign_in

REPO = Path(__file__).resolve().parents[2]
ADMIN = "ops@example.com"


async def _all_answer(http: httpx.AsyncClient, path: str, status: int, within: float, probes: int = 24) -> float:
    """Seconds until ``probes`` parallel requests on fresh connections (both workers) all answer ``status``."""
    started = time.monotonic()
    while True:
        answers = await asyncio.gather(*(http.get(path, headers={"connection": "close"}) for _ in range(probes)))
        if all(a.status_code == status for a in answers):
            return time.monotonic() - started
        assert time.monotonic() - started < within, [a.status_code for a in answers]
        await asyncio.sleep(0.2)


async def test_maintenance_reaches_every_worker_within_five_seconds_and_is_audited(live_server, database_url) -> None:
    server = live_server(workers=2, env={"OPENAGENTS_ADMIN_EMAILS": ADMIN})
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        admin = await sign_in(http, database_url, ADMIN)
        assert (await http.get("/api/tokens")).status_code == 401  # normal answer before
        refused = await http.put("/api/admin/routing/maintenance", headers=admin.headers,
                                 json={"on": True, "message": "Back at 10:00 UTC", "reason": "db upgrade"})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "confirmation_required"
        on = await http.put("/api/admin/routing/maintenance", headers=admin.headers,
                            json={"on": True, "message": "Back at 10:00 UTC", "reason": "db upgrade", "confirm": True,
                                  "retry_after": 120})
        assert on.status_code == 200, on.text
        assert await _all_answer(http, "/api/tokens", 503, within=5.0) < 5.0
        answer = await http.get("/api/tokens")
        assert answer.json()["error"]["message"] == "Back at 10:00 UTC"
        assert answer.json()["error"]["reason"] == "maintenance"
        assert answer.headers["retry-after"] == "120" and answer.headers["x-request-id"]
        # the console, sign-in and health stay up, so an administrator can switch it off again
        assert (await http.get("/api/admin/status", headers=admin.headers)).json()["data"]["maintenance"] == \
            "Back at 10:00 UTC"
        assert (await http.get("/healthz")).status_code == 200
        off = await http.put("/api/admin/routing/maintenance", headers=admin.headers,
                             json={"on": False, "reason": "upgrade done"})
        assert off.status_code == 200 and off.json()["data"]["control"] is None
        assert await _all_answer(http, "/api/tokens", 401, within=5.0) < 5.0
        trail = (await http.get("/api/admin/audit", params={"event": "ops.routing"},
                                headers=admin.headers)).json()["data"]["events"]
    assert [e["event"] for e in trail] == ["ops.routing.maintenance_off", "ops.routing.maintenance_on"]
    assert trail[1]["attributes"]["reason"] == "db upgrade" and ADMIN in trail[1]["attributes"]["by"]
    assert trail[1]["user_id"] == admin.user_id


async def test_a_disabled_route_answers_503_with_retry_after_and_others_do_not(live_server, database_url) -> None:
    server = live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN})
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        admin = await sign_in(http, database_url, ADMIN)
        disabled = await http.put("/api/admin/routing/routes", headers=admin.headers,
                                  json={"route": "/api/tokens", "disabled": True, "reason": "token abuse",
                                        "message": "Tokens are paused", "retry_after": 30, "confirm": True})
        assert disabled.status_code == 200, disabled.text
        await _all_answer(http, "/api/tokens", 503, within=5.0, probes=4)
        answer = await http.get("/api/tokens/abc", headers=admin.headers)
        assert answer.status_code == 503 and answer.headers["retry-after"] == "30"
        assert answer.json()["error"] == {"code": "service_unavailable", "message": "Tokens are paused",
                                          "reason": "route_disabled", "retry_after": 30}
        assert (await http.get("/api/tokensmith")).status_code != 503  # a prefix is a path segment boundary
        assert (await http.get("/api/me", headers=admin.headers)).status_code == 200
        protected = await http.put("/api/admin/routing/routes", headers=admin.headers,
                                   json={"route": "/api/admin", "disabled": True, "reason": "oops", "confirm": True})
        assert protected.status_code == 422 and protected.json()["error"]["code"] == "protected_route"


async def test_the_ops_cli_changes_what_every_node_serves_and_is_audited(live_server, database_url) -> None:
    server = live_server()
    env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATABASE_URL": database_url}

    def ops(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "openagents_server.cli", "ops", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60, check=False)

    assert ops("maintenance", "on", "--reason", "drill", "--message", "Drill in progress").returncode == 0
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        await _all_answer(http, "/api/tokens", 503, within=5.0, probes=2)
        assert (await http.get("/api/tokens")).json()["message"] == "Drill in progress"
        listed = ops("controls", "--json")
        assert '"maintenance"' in listed.stdout
        assert ops("maintenance", "off", "--reason", "drill over").returncode == 0
        await _all_answer(http, "/api/tokens", 401, within=5.0, probes=2)
    missing_reason = ops("maintenance", "on")
    assert missing_reason.returncode != 0
    trail = ops("audit", "--event", "ops.routing", "--json")
    assert trail.stdout.count("ops.routing.maintenance_o") == 2 and "cli:" in trail.stdout


def test_driver_overrides_pick_the_most_specific_cohort() -> None:
    drivers = {"all": "demo", "org:o1": "codex", "user:u9": "demo", "percent:100": "codex"}
    assert driver_for(drivers, "u9", "o1") == ("user:u9", "demo")
    assert driver_for(drivers, "u1", "o1") == ("org:o1", "codex")
    assert driver_for(drivers, "u1", None) == ("percent:100", "codex")
    assert driver_for({"all": "demo"}, "u1", None) == ("all", "demo")
    assert driver_for({}, "u1", None) is None
    small = {"percent:10": "codex"}
    inside = [u for u in (f"u{i}" for i in range(1000)) if driver_for(small, u, None)]
    assert 50 < len(inside) < 150 and all(cohort_bucket(u) < 10 for u in inside)


def test_no_control_means_no_gate_and_exempt_paths_stay_open() -> None:
    assert not Controls().gating
    rows = [ControlRecord("maintenance", "", "down", 60, "ops", "drill", datetime.now(UTC))]
    controls = Controls.from_rows(rows)
    assert controls.refusal_for("/api/tokens") is not None
    for path in ("/api/admin/status", "/api/auth/email", "/api/me", "/healthz", "/", "/assets/x.js"):
        assert controls.refusal_for(path) is None, path


async def test_runbook_commands_revoke_a_users_sessions_and_report_status(live_server, database_url) -> None:
    server = live_server()
    env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATABASE_URL": database_url}

    def ops(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "openagents_server.cli", "ops", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60, check=False)

    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        ada = await sign_in(http, database_url, "ada@example.com")
        assert (await http.get("/api/me", headers=ada.headers)).status_code == 200
        revoked = ops("revoke-sessions", ada.user_id, "--reason", "refresh token replays", "--json")
        assert revoked.returncode == 0, revoked.stderr
        assert ada.session_id in revoked.stdout
        deadline = time.monotonic() + 3  # the revocation reaches every worker's credential cache via NOTIFY
        while (await http.get("/api/me", headers=ada.headers)).status_code != 401:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
    status = ops("status", "--json")
    assert status.returncode == 0 and '"nodes"' in status.stdout
    trail = ops("audit", "--event", "ops.sessions", "--json")
    assert "refresh token replays" in trail.stdout


async def test_an_operator_creates_a_token_that_works_and_is_audited(live_server, database_url) -> None:
    server = live_server()
    env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATABASE_URL": database_url}

    def ops(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "openagents_server.cli", "ops", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=60, check=False)

    assert ops("create-token", "nobody@example.com", "--name", "ci").returncode == 1
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        ada = await sign_in(http, database_url, "ada@example.com")
        made = ops("create-token", "Ada@Example.com", "--name", "ci deploys", "--ability", "tokens:read", "--json")
        assert made.returncode == 0, made.stderr
        assert made.stdout.lstrip().startswith("{"), made.stdout
        token = json.loads(made.stdout)
        assert token["abilities"] == ["tokens:read"] and token["token"].startswith("oa_")
        listed = await http.get("/api/tokens", headers={"authorization": f"Bearer {token['token']}"})
        assert listed.status_code == 200, listed.text
    trail = ops("audit", "--event", "ops.tokens", "--json")
    assert ada.user_id in trail.stdout
