"""Paywalls that front an upstream service (Aperture's model), against a local upstream HTTP server on
real sockets: unpaid → 402 and the upstream never sees the request; paid → forwarded (path after the
prefix, query, body streamed) without the credential, the cookie or hop-by-hop headers; upstream
failures → 502/504 envelopes; limits on both bodies. The upstream is on 127.0.0.1, so these apps
carry the development allowance ``l402_http_allow=("127.0.0.1",)`` explicitly."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.domains.l402 import challenge

from tests.identity.conftest import sign_in
from tests.l402.conftest import ADMIN, make_settings, wallet
from tests.l402.upstream import Upstream

PREFIX = "/api/weather"


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream().start()
    yield server
    server.stop()


@pytest.fixture
async def proxy_client(database_url: str) -> AsyncIterator[AsyncTestClient]:
    settings = make_settings(database_url, l402_http_allow=("127.0.0.1",), l402_upstream_timeout_seconds=1.0,
                             l402_upstream_max_request_bytes=1000, l402_upstream_max_response_bytes=2000)
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as c:
        yield c


async def _setup(client, db, upstream_url: str):
    admin = await sign_in(client, db, ADMIN)
    created = await client.post("/api/l402/paywalls", headers=admin.headers,
                                json={"name": "Weather", "route_prefix": PREFIX, "price_sats": 10,
                                      "upstream_url": upstream_url})
    assert created.status_code == 201, created.text
    await wallet(client, admin, fund_sats=1000)
    return admin


async def _credential(client, admin) -> str:
    unpaid = await client.get(f"{PREFIX}/today")
    assert unpaid.status_code == 402, unpaid.text
    found = challenge.parse_challenge(unpaid.headers["www-authenticate"])
    paid = await client.post("/api/agent-payments/pay", headers=admin.headers, json={"invoice": found.invoice})
    assert paid.status_code == 200, paid.text
    return challenge.credential_header(found.macaroon, paid.json()["data"]["receipt"]["preimage"])


async def test_unpaid_requests_get_a_challenge_and_never_reach_the_upstream(proxy_client, db, upstream) -> None:
    await _setup(proxy_client, db, upstream.url + "/v1")
    unpaid = await proxy_client.post(f"{PREFIX}/today", json={"x": 1})
    assert unpaid.status_code == 402 and unpaid.json()["error"]["code"] == "payment_required"
    assert unpaid.headers["www-authenticate"].startswith("L402 macaroon=")
    forged = await proxy_client.get(f"{PREFIX}/today", headers={"authorization": "L402 AGIAJEem:" + "00" * 32})
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_l402_credential"
    assert upstream.received == []


async def test_a_paid_request_is_forwarded_without_the_credential_cookie_or_hop_by_hop_headers(proxy_client, db,
                                                                                              upstream) -> None:
    admin = await _setup(proxy_client, db, upstream.url + "/v1")
    credential = await _credential(proxy_client, admin)
    response = await proxy_client.post(f"{PREFIX}/today/rain?city=Paris&unit=c", content=b'{"hello": "upstream"}',
                                       headers={"authorization": credential, "cookie": "oa_session=secret",
                                                "content-type": "application/json", "x-custom": "kept",
                                                "connection": "x-private", "x-private": "hop", "x-forwarded-for": "6.6.6.6"})
    assert response.status_code == 200, response.text
    seen = response.json()
    assert (seen["method"], seen["path"], seen["body"]) == ("POST", "/v1/today/rain?city=Paris&unit=c",
                                                            '{"hello": "upstream"}')
    headers = seen["headers"]
    assert "authorization" not in headers and "cookie" not in headers and "x-private" not in headers
    assert headers["x-custom"] == "kept" and headers["host"] == upstream.url.removeprefix("http://")
    assert headers["x-forwarded-for"] != "6.6.6.6" and headers["x-forwarded-host"] == "127.0.0.1:8000"
    assert len(upstream.received) == 1
    # The prefix itself maps onto upstream_url; the credential is reused until it expires, paid once.
    root = await proxy_client.get(PREFIX, headers={"authorization": credential})
    assert root.status_code == 200 and root.json()["path"] == "/v1"
    settlements = (await proxy_client.get("/api/l402/settlements", headers=admin.headers)).json()["data"]
    assert settlements["total_count"] == 1 and settlements["settlements"][0]["amount_sats"] == 10


async def test_upstream_headers_are_filtered_and_its_statuses_and_streams_pass_through(proxy_client, db,
                                                                                      upstream) -> None:
    admin = await _setup(proxy_client, db, upstream.url)
    auth = {"authorization": await _credential(proxy_client, admin)}
    cookie = await proxy_client.get(f"{PREFIX}/cookie", headers=auth)
    assert cookie.status_code == 200 and cookie.headers["x-upstream"] == "yes"
    assert "set-cookie" not in cookie.headers and "x-hop" not in cookie.headers and "keep-alive" not in cookie.headers
    assert "oa_session" not in proxy_client.cookies
    failed = await proxy_client.get(f"{PREFIX}/fail", headers=auth)
    assert failed.status_code == 500 and failed.json() == {"upstream": "broke"}
    streamed = await proxy_client.get(f"{PREFIX}/stream", headers=auth)
    assert streamed.status_code == 200 and streamed.text == "".join(f"part {i}\n" for i in range(5))


async def test_upstream_failures_and_limits_are_clear_envelopes(proxy_client, db, upstream) -> None:
    admin = await _setup(proxy_client, db, upstream.url)
    auth = {"authorization": await _credential(proxy_client, admin)}
    slow = await proxy_client.get(f"{PREFIX}/slow", headers=auth)
    assert slow.status_code == 504 and slow.json()["error"]["code"] == "upstream_timeout"
    big = await proxy_client.get(f"{PREFIX}/big", headers=auth)
    assert big.status_code == 502 and big.json()["error"]["code"] == "upstream_response_too_large"
    declared = await proxy_client.post(f"{PREFIX}/echo", headers=auth, content=b"z" * 1001)
    assert declared.status_code == 413 and declared.json()["error"]["code"] == "payload_too_large"

    dots = await proxy_client.get(f"{PREFIX}/a/%2e%2e/%2e%2e/secret", headers=auth)
    assert dots.status_code == 404
    assert [r["path"] for r in upstream.received if r["path"].endswith("secret")] == []


async def test_an_unreachable_upstream_is_a_502(proxy_client, db) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    admin = await _setup(proxy_client, db, f"http://127.0.0.1:{port}")
    auth = {"authorization": await _credential(proxy_client, admin)}
    down = await proxy_client.get(f"{PREFIX}/today", headers=auth)
    assert down.status_code == 502 and down.json()["error"]["code"] == "upstream_unreachable"


async def test_without_the_allowance_a_private_upstream_is_refused_when_set_and_when_used(client, db, upstream) -> None:
    admin = await sign_in(client, db, ADMIN)
    body = {"name": "Weather", "route_prefix": PREFIX, "price_sats": 10}
    refused = await client.post("/api/l402/paywalls", headers=admin.headers, json={**body, "upstream_url": upstream.url})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "upstream_url_blocked"
    assert refused.json()["error"]["reason"] == "ssrf_block.private_address"
    # A name that resolves later to a private address (or a row written around the API) is still
    # refused at connect time: the proxy checks every new connection.
    created = await client.post("/api/l402/paywalls", headers=admin.headers,
                                json={**body, "upstream_url": "https://weather.invalid"})
    assert created.status_code == 201, created.text
    await db.execute("UPDATE l402_paywalls SET upstream_url = $1", upstream.url)
    pid = created.json()["data"]["id"]
    assert (await client.patch(f"/api/l402/paywalls/{pid}", headers=admin.headers, json={"name": "W"})).status_code == 200
    await wallet(client, admin, fund_sats=1000)
    auth = {"authorization": await _credential(client, admin)}
    blocked = await client.get(f"{PREFIX}/today", headers=auth)
    assert blocked.status_code == 502 and blocked.json()["error"]["code"] == "upstream_blocked"
    assert blocked.json()["error"]["reason"] == "ssrf_block.private_address"
    assert upstream.received == []


async def test_on_granian_bodies_stream_both_ways_and_an_over_long_answer_is_cut_off_visibly(live_server, db,
                                                                                            upstream) -> None:
    server = live_server(env={"OPENAGENTS_ADMIN_EMAILS": ADMIN, "OPENAGENTS_API_BURST": "5000",
                              "OPENAGENTS_L402_HTTP_ALLOW": "127.0.0.1",
                              "OPENAGENTS_L402_UPSTREAM_MAX_REQUEST_BYTES": "1000",
                              "OPENAGENTS_L402_UPSTREAM_MAX_RESPONSE_BYTES": "2000"})
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        admin = await _setup(http, db, upstream.url)
        auth = {"authorization": await _credential(http, admin)}

        async def chunks(n: int):
            for _ in range(n):
                yield b"z" * 300

        small = await http.post(f"{PREFIX}/echo", headers=auth, content=chunks(3))
        assert small.status_code == 200 and small.json()["body"] == "z" * 900
        assert small.json()["headers"].get("transfer-encoding") == "chunked"
        large = await http.post(f"{PREFIX}/echo", headers=auth, content=chunks(4))
        assert large.status_code == 413 and large.json()["error"]["code"] == "payload_too_large"
        streamed = await http.get(f"{PREFIX}/stream", headers=auth)
        assert streamed.text == "".join(f"part {i}\n" for i in range(5))
        # 10 000 bytes streamed without a length, over the 2 000 relayed: the connection is dropped,
        # so the client cannot take a cut body for a complete one.
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"{PREFIX}/stream-big", headers=auth)
        assert (await http.get(f"{PREFIX}/fail", headers=auth)).status_code == 500
