"""Handshake and liveness rules: compatibility window, Origin, subprotocol, deadlines, heartbeat, caps."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import websockets
from openagents_proto.sync import domain as d

from tests.khala.support import KhalaClient, token

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "protocol"
WINDOW = json.loads((FIXTURES / "compatibility-negotiation-v1.json").read_text())


@pytest.fixture
def windowed_server(live_server):
    window = WINDOW["window"]
    return live_server(env={
        "OPENAGENTS_KHALA_MIN_CLIENT_BUILD_ID": window["min_client_build_id"],
        "OPENAGENTS_KHALA_MAX_CLIENT_BUILD_ID": window["max_client_build_id"],
        "OPENAGENTS_KHALA_MIN_SCHEMA_VERSION": str(window["min_schema_version"]),
        "OPENAGENTS_KHALA_MAX_SCHEMA_VERSION": str(window["max_schema_version"]),
    })


async def test_compatibility_window_scenarios_from_the_reference(windowed_server) -> None:
    for scenario in WINDOW["scenarios"]:
        request, result = scenario["request"], scenario["result"]
        client = await KhalaClient.connect(windowed_server.ws_url)
        await client.send(d.Hello(sync_token=token(), client_build_id=request["client_build_id"],
                                  protocol_version=request["protocol_version"],
                                  schema_version=request["schema_version"]))
        if result["accepted"]:
            assert isinstance(await client.recv(), d.HelloOk), scenario["name"]
            await client.close()
            continue
        closed = await client.expect_close()
        assert closed.code == 4026, scenario["name"]
        assert closed.error is not None and closed.error.code is d.SyncErrorCode.UPGRADE_REQUIRED
        assert closed.error.message.startswith(result["code"] + ":"), (scenario["name"], closed.error.message)
        assert closed.error.recovery is d.RecoveryHint.UPGRADE


async def test_origin_allowlist_for_browsers_and_none_for_native_clients(live_server) -> None:
    server = live_server(env={"OPENAGENTS_ALLOWED_ORIGINS": "https://app.example"})
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await KhalaClient.connect(server.ws_url, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    for origin in ("https://app.example", None):
        client = await KhalaClient.connect(server.ws_url, origin=origin)
        await client.hello()
        await client.close()


async def test_missing_subprotocol_is_told_to_upgrade(live_server) -> None:
    server = live_server()
    client = await KhalaClient.connect(server.ws_url, subprotocols=())
    closed = await client.expect_close()
    assert closed.code == 4026 and closed.error is not None
    assert closed.error.code is d.SyncErrorCode.UPGRADE_REQUIRED


@pytest.fixture
def quick_server(live_server):
    return live_server(env={
        "OPENAGENTS_KHALA_HELLO_TIMEOUT_MS": "400",
        "OPENAGENTS_KHALA_IDLE_TIMEOUT_MS": "1200",
        "OPENAGENTS_KHALA_HEARTBEAT_INTERVAL_MS": "300",
        "OPENAGENTS_KHALA_MAX_CONNECTIONS_PER_USER": "2",
    })


async def test_no_hello_within_the_deadline_closes(quick_server) -> None:
    client = await KhalaClient.connect(quick_server.ws_url)
    closed = await client.expect_close(timeout=3)
    assert (closed.code, closed.reason) == (4002, "hello_timeout")


async def test_server_heartbeats_carry_watermarks_and_silence_closes(quick_server) -> None:
    client = await KhalaClient.connect(quick_server.ws_url)
    await client.hello()
    await client.subscribe(["user:u1:workers"])
    heartbeat = await client.recv(timeout=2)
    assert isinstance(heartbeat, d.Heartbeat)
    assert heartbeat.watermarks == (d.TopicCursor(topic="user:u1:workers", watermark=0),)
    closed = await client.expect_close(timeout=3)  # we never send a frame after SUBSCRIBE
    assert (closed.code, closed.reason) == (4011, "idle_timeout")


async def test_client_heartbeats_keep_the_connection_alive(quick_server) -> None:
    import asyncio

    client = await KhalaClient.connect(quick_server.ws_url)
    await client.hello()
    for _ in range(8):  # 2.4 s, twice the idle timeout
        await client.heartbeat()
        await asyncio.sleep(0.3)
    await client.heartbeat()
    assert isinstance(await client.recv(timeout=2), d.Heartbeat)
    await client.close()


async def test_per_user_connection_cap(quick_server) -> None:
    clients = [await KhalaClient.connect(quick_server.ws_url) for _ in range(3)]
    await clients[0].hello()
    await clients[1].hello()
    await clients[2].send(d.Hello(sync_token=token(), client_build_id="b", protocol_version="khala.ws.v1",
                                  schema_version=1))
    closed = await clients[2].expect_close()
    assert closed.code == 4029 and closed.error.message.startswith("too_many_connections")  # type: ignore[union-attr]
    other_user = await KhalaClient.connect(quick_server.ws_url)
    await other_user.hello(token(user="u2"))
    for c in clients[:2] + [other_user]:
        await c.close()


async def test_connection_ends_when_its_token_expires(live_server) -> None:
    import time

    server = live_server()
    client = await KhalaClient.connect(server.ws_url)
    # A 60 s token issued 57 s ago: valid now, expired in 3 s.
    ok = await client.hello(token(ttl_seconds=60, now=int(time.time()) - 57))
    assert ok.token_expires_at_unix_ms <= (time.time() + 4) * 1000
    await client.subscribe(["user:u1:workers"])
    closed = await client.expect_close(timeout=8)
    assert closed.code == 4001 and closed.error is not None
    assert closed.error.message.startswith("expired:") and closed.error.retryable


async def test_per_user_cap_holds_across_servers_and_frees_up_when_a_socket_closes(live_server) -> None:
    """Two servers on one database: the cap counts the user's sockets on both (not 2 per node)."""
    env = {"OPENAGENTS_KHALA_MAX_CONNECTIONS_PER_USER": "2"}
    a, b = live_server(env=env), live_server(env=env)
    on_a = await KhalaClient.connect(a.ws_url)
    await on_a.hello()
    on_b = await KhalaClient.connect(b.ws_url)
    await on_b.hello()
    third = await KhalaClient.connect(b.ws_url)
    await third.send(d.Hello(sync_token=token(), client_build_id="b", protocol_version="khala.ws.v1", schema_version=1))
    closed = await third.expect_close()
    assert closed.code == 4029 and closed.error is not None
    assert closed.error.message.startswith("too_many_connections") and closed.error.retryable
    await on_a.close()
    for _ in range(50):  # the closed socket's slot is released as the server sees the close
        again = await KhalaClient.connect(b.ws_url)
        await again.send(d.Hello(sync_token=token(), client_build_id="b", protocol_version="khala.ws.v1",
                                 schema_version=1))
        if isinstance(await again.recv(), d.HelloOk):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the freed slot was never given back")
    await again.subscribe(["user:u1:workers"])
    await again.close()
    await on_b.close()
