"""The client compatibility window on a real server: the HTTP gate and Khala's HELLO."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from openagents_build import BuildOptions, build_bundle

from tests.support.bundles import REPO, TIME_B, BuiltBundles
from tests.support.servers import LiveServer

# The window's rules themselves are the contract's (tests/contracts/test_compat.py).

#: The first test of a session builds the bundles (≈ 45 s of brotli on a fresh machine).
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
def gated(live_server: Callable[..., LiveServer], bundles: BuiltBundles, tmp_path: Path) -> tuple[LiveServer, str]:
    """A server whose only bundle accepts clients from bundle B's build time on."""
    floor = bundles.b.split("-")[0]
    result = build_bundle(BuildOptions(repo=REPO, bundles_dir=tmp_path, build_time=TIME_B + 3600,
                                       min_client_build_id=floor))
    return live_server(env={"OPENAGENTS_BUNDLES_DIR": str(tmp_path)}), result.build_id


def test_api_rejects_a_client_below_the_minimum_with_426(gated: tuple[LiveServer, str],
                                                         bundles: BuiltBundles) -> None:
    server, current = gated
    r = httpx.get(server.url + "/api/web/client", headers={"x-oa-client-build": bundles.a}, timeout=10)
    assert r.status_code == 426
    body = r.json()
    assert body["error"]["code"] == "upgrade_required"
    assert body["error"]["upgrade_required"] is True
    assert body["error"]["build_id"] == current
    assert r.headers["x-oa-build-id"] == current
    # any API path, even one that does not exist: the client must update first
    assert httpx.post(server.url + "/api/anything", headers={"x-oa-client-build": bundles.a},
                      timeout=10).status_code == 426


def test_api_accepts_current_clients_and_clients_that_do_not_say(gated: tuple[LiveServer, str],
                                                                  bundles: BuiltBundles) -> None:
    server, current = gated
    for headers in ({"x-oa-client-build": bundles.b}, {"x-oa-client-build": current}, {}):
        r = httpx.get(server.url + "/api/web/client", headers=headers, timeout=10)
        assert r.status_code == 200, headers
        assert r.json()["data"]["build_id"] == current


def test_the_shell_itself_is_never_gated(gated: tuple[LiveServer, str], bundles: BuiltBundles) -> None:
    server, current = gated
    r = httpx.get(server.url + "/feed", headers={"x-oa-client-build": bundles.a}, timeout=10)
    assert r.status_code == 200 and current in r.text


async def test_khala_hello_is_judged_by_the_same_window(gated: tuple[LiveServer, str], bundles: BuiltBundles) -> None:
    """A shell below its bundle's minimum is told to upgrade by Khala too (4026), exactly like the API;
    current shells and non-shell clients (CLI, native apps: their own build names) are admitted."""
    from openagents_proto.sync import domain as d

    from tests.khala.support import KhalaClient, token

    server, current = gated
    old = await KhalaClient.connect(server.ws_url)
    await old.send(d.Hello(sync_token=token(), client_build_id=bundles.a, protocol_version="khala.ws.v1",
                           schema_version=1))
    closed = await old.expect_close()
    assert closed.code == 4026
    assert closed.error is not None and closed.error.code is d.SyncErrorCode.UPGRADE_REQUIRED
    assert closed.error.message.startswith("upgrade_required:")
    assert closed.error.recovery is d.RecoveryHint.UPGRADE

    for build in (bundles.b, current, "openagents-cli/0.1"):
        client = await KhalaClient.connect(server.ws_url)
        await client.hello(client_build_id=build)
        await client.close()

    wrong = await KhalaClient.connect(server.ws_url)
    await wrong.send(d.Hello(sync_token=token(), client_build_id=current, protocol_version="khala.ws.v2",
                             schema_version=1))
    closed = await wrong.expect_close()
    assert closed.code == 4026 and closed.error is not None
    assert closed.error.message.startswith("unsupported_protocol_version:")
