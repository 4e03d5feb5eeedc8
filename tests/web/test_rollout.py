"""Rollout through the real CLI against the real database: every worker of a running server
switches bundles within about a second, with no restart."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import asyncpg
import httpx
import pytest
from openagents_proto.bundle_manifest import decode_manifest

from tests.support.bundles import REPO, BuiltBundles
from tests.support.servers import LiveServer

#: The first test of a session builds the bundles (≈ 45 s of brotli on a fresh machine).
pytestmark = pytest.mark.timeout(600)


def cli(database_url: str, bundles: BuiltBundles, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPENAGENTS_DATABASE_URL": database_url, "OPENAGENTS_BUNDLES_DIR": str(bundles.root),
           "OPENAGENTS_ENV": "test"}
    return subprocess.run([sys.executable, "-m", "openagents_server.cli", "bundle", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60, check=False)


def served_builds(server: LiveServer, n: int = 12, cookie: str | None = None) -> set[str]:
    """Build ids seen over ``n`` requests (fresh connections, so several workers answer)."""
    seen = set()
    for _ in range(n):
        headers = {"cookie": cookie} if cookie else {}
        with httpx.Client(timeout=10) as client:
            seen.add(client.get(server.url + "/feed", headers=headers).headers["x-oa-build-id"])
    return seen


def wait_for(server: LiveServer, build_id: str, timeout: float = 5.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if served_builds(server, 6) == {build_id}:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"server still serves {served_builds(server)} after {timeout}s, expected {build_id}")


@pytest.fixture
def server(live_server: Callable[..., LiveServer], bundles_env: dict[str, str]) -> LiveServer:
    return live_server(workers=2, env=bundles_env)


def test_activate_and_rollback_switch_every_worker_without_restart(server: LiveServer, database_url: str,
                                                                    bundles: BuiltBundles) -> None:
    assert served_builds(server) == {bundles.b}  # nothing activated yet: newest on disk
    result = cli(database_url, bundles, "activate", bundles.a)
    assert result.returncode == 0, result.stderr
    assert wait_for(server, bundles.a) < 2.0
    result = cli(database_url, bundles, "activate", bundles.b[:20])  # a unique prefix is enough
    assert result.returncode == 0, result.stderr
    assert wait_for(server, bundles.b) < 2.0
    result = cli(database_url, bundles, "rollback")
    assert result.returncode == 0, result.stderr
    assert f"{bundles.b} → {bundles.a}" in result.stderr
    assert wait_for(server, bundles.a) < 2.0
    pid = server.process.pid if server.process else None
    assert server.process is not None and server.process.poll() is None and server.process.pid == pid


def test_rollback_with_nothing_to_return_to_is_refused(database_url: str, bundles: BuiltBundles) -> None:
    result = cli(database_url, bundles, "rollback")
    assert result.returncode == 1
    assert "nothing to roll back to" in result.stderr


def test_activating_an_unknown_bundle_is_refused_and_changes_nothing(server: LiveServer, database_url: str,
                                                                     bundles: BuiltBundles) -> None:
    result = cli(database_url, bundles, "activate", "20991231T000000Z-0000000000")
    assert result.returncode == 1
    assert "no bundle" in result.stderr and bundles.a in result.stderr
    ambiguous = cli(database_url, bundles, "activate", "20")
    assert ambiguous.returncode == 1 and "ambiguous" in ambiguous.stderr
    assert served_builds(server) == {bundles.b}


def test_canary_serves_a_stable_share_of_devices(server: LiveServer, database_url: str,
                                                bundles: BuiltBundles) -> None:
    assert cli(database_url, bundles, "activate", bundles.a).returncode == 0
    result = cli(database_url, bundles, "canary", bundles.b, "--percent", "30")
    assert result.returncode == 0, result.stderr
    time.sleep(1.2)
    devices = [f"oa_cohort={i:016x}" for i in range(200)]
    first = {d: served_builds(server, 1, d).pop() for d in devices}
    share = sum(1 for b in first.values() if b == bundles.b) / len(devices)
    assert 0.18 <= share <= 0.42, share
    # the same device keeps its bundle
    for device in devices[:20]:
        assert served_builds(server, 3, device) == {first[device]}
    listing = cli(database_url, bundles, "list")
    assert "canary 30%" in listing.stdout and "active" in listing.stdout
    assert cli(database_url, bundles, "canary", "--clear").returncode == 0
    time.sleep(1.2)
    assert {served_builds(server, 1, d).pop() for d in devices[:40]} == {bundles.a}


def test_a_device_that_blocks_cookies_keeps_its_bundle_during_a_canary(server: LiveServer, database_url: str,
                                                                        bundles: BuiltBundles) -> None:
    """A browser that never sends the cohort cookie is placed by its address and user agent: the same
    bundle on every load (page, worker script, manifest), not a coin toss per request."""
    assert cli(database_url, bundles, "activate", bundles.a).returncode == 0
    assert cli(database_url, bundles, "canary", bundles.b, "--percent", "50").returncode == 0
    time.sleep(1.2)

    def build_for(path: str, agent: str, cookie: str | None = None) -> httpx.Response:
        headers = {"user-agent": agent, **({"cookie": cookie} if cookie else {})}
        with httpx.Client(timeout=10) as client:  # a fresh connection each time: any worker answers
            return client.get(server.url + path, headers=headers)

    agents = [f"CookielessBrowser/{i}" for i in range(40)]
    first = {agent: build_for("/feed", agent).headers["x-oa-build-id"] for agent in agents}
    share = sum(1 for b in first.values() if b == bundles.b) / len(agents)
    assert 0.2 <= share <= 0.8, share  # devices are still spread over both bundles
    for agent in agents[:12]:
        for path in ("/feed", "/settings/profile", "/sw.js", "/manifest.json"):
            assert build_for(path, agent).headers["x-oa-build-id"] == first[agent], (agent, path)
    # A device that does keep cookies stays with the key it was given, whatever its address or browser later.
    page = build_for("/feed", agents[0])
    key = page.headers["set-cookie"].split(";")[0]
    assert build_for("/feed", "SameDeviceUpdatedBrowser/2", key).headers["x-oa-build-id"] == first[agents[0]]


def test_killswitch_replaces_the_service_worker(server: LiveServer, database_url: str,
                                                bundles: BuiltBundles) -> None:
    normal = httpx.get(server.url + "/sw.js", timeout=10)
    assert "OA_BUNDLE" in normal.text
    assert cli(database_url, bundles, "killswitch", "on").returncode == 0
    time.sleep(1.2)
    killed = httpx.get(server.url + "/sw.js", timeout=10)
    assert killed.status_code == 200 and "unregister()" in killed.text and "caches.delete" in killed.text
    assert killed.headers["cache-control"] == "no-cache"
    info = httpx.get(server.url + "/api/web/client", timeout=10).json()["data"]
    assert info["killswitch"] is True
    # The shell's boot reads it from the manifest's headers, also on a 304 (a warm boot downloads nothing).
    manifest = httpx.get(server.url + "/manifest.json", timeout=10)
    assert manifest.headers["x-oa-killswitch"] == "on"
    assert cli(database_url, bundles, "killswitch", "off").returncode == 0
    time.sleep(1.2)
    assert "OA_BUNDLE" in httpx.get(server.url + "/sw.js", timeout=10).text
    revalidated = httpx.get(server.url + "/manifest.json", headers={"if-none-match": manifest.headers["etag"]},
                            timeout=10)
    assert revalidated.status_code == 304 and revalidated.headers["x-oa-killswitch"] == "off"


async def test_rollout_changes_are_audited(database_url: str, bundles: BuiltBundles,
                                          db: asyncpg.Connection) -> None:
    for args in (("activate", bundles.a), ("activate", bundles.b), ("rollback",)):
        assert cli(database_url, bundles, *args).returncode == 0
    rows = await db.fetch("SELECT event_name, attributes FROM audit_events WHERE event_name LIKE 'web.%' ORDER BY id")
    assert [r["event_name"] for r in rows] == ["web.bundle.activated", "web.bundle.activated",
                                               "web.bundle.rolled_back"]
    assert json.loads(rows[2]["attributes"]) == {"from": bundles.b, "to": bundles.a}


def test_a_node_that_never_read_the_rollout_does_not_guess_which_bundle_to_serve(
        live_server: Callable[..., LiveServer], database_url: str, bundles: BuiltBundles) -> None:
    """After a rollback, the newest bundle on disk is the one rolled back, and the kill switch may be on:
    a process that cannot read the rollout answers pages and the worker script with a 503 (a returning
    visitor's worker then shows its cached shell) rather than guess. Assets are safe to serve."""
    assert cli(database_url, bundles, "activate", bundles.a).returncode == 0  # B, the newest, rolled back

    async def rename(old: str, new: str) -> None:
        conn = await asyncpg.connect(database_url)
        await conn.execute(f"ALTER TABLE {old} RENAME TO {new}")
        await conn.close()

    asyncio.run(rename("web_rollout", "web_rollout_unreachable"))  # every read of it fails
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root)})
    page = httpx.get(server.url + "/settings/profile", timeout=10)
    assert page.status_code == 503 and "does not know which version to serve" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert httpx.get(server.url + "/sw.js", timeout=10).status_code == 503
    manifest = httpx.get(server.url + "/manifest.json", timeout=10)
    assert manifest.status_code == 503 and manifest.json()["error"]["code"] == "rollout_unknown"
    boot = decode_manifest((bundles.root / bundles.a / "manifest.json").read_bytes()).entry.boot
    assert httpx.get(server.url + boot, timeout=10).status_code == 200

    asyncio.run(rename("web_rollout_unreachable", "web_rollout"))
    deadline = time.monotonic() + 10
    while (page := httpx.get(server.url + "/settings/profile", timeout=10)).status_code != 200:
        assert time.monotonic() < deadline, "the node never recovered once the rollout was readable"
        time.sleep(0.2)
    assert page.headers["x-oa-build-id"] == bundles.a
