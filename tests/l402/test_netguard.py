"""The private-address guard on the platform's L402 fetches: the L402 client (an agent paying external
APIs) and a paywall's ``upstream_url`` refuse the same address matrix as the tools' ``http.fetch``
(tests/autopilots/test_tools.py), unless ``l402_http_allow`` explicitly allows an address; the name
is resolved once and the connection goes to the address that was checked."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import httpcore
import pytest
from openagents_server import netguard
from openagents_server.netguard import AllowList, Blocked, GuardedBackend

from tests.identity.conftest import sign_in
from tests.l402.conftest import ADMIN

#: The http.fetch matrix (same URLs, same reasons).
MATRIX = [
    ("http://127.0.0.1:9/", "ssrf_block.private_address"),
    ("http://10.0.0.1/", "ssrf_block.private_address"),
    ("http://169.254.169.254/latest/meta-data/", "ssrf_block.metadata_endpoint"),
    ("http://localhost:9/", "ssrf_block.private_address"),
    ("http://[::1]:9/", "ssrf_block.private_address"),
    ("http://2130706433:9/", "ssrf_block.private_address"),        # 127.0.0.1 as one decimal number
    ("http://0x7f.1:9/", "ssrf_block.private_address"),            # … in hex shorthand
    ("http://[::ffff:127.0.0.1]:9/", "ssrf_block.private_address"),  # … IPv4-mapped IPv6
    ("http://user:pw@example.com/", "ssrf_block.invalid_url"),
]


async def test_the_l402_client_refuses_the_address_matrix_and_pays_nothing(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    await client.post("/api/agent-payments/wallet", headers=admin.headers, json={"allowed_hosts": ["*"]})
    await client.post("/api/agent-payments/invoice", headers=admin.headers, json={"amount_sats": 1000})
    for url, reason in MATRIX:
        refused = await client.post("/api/agent-payments/l402/fetch", headers=admin.headers, json={"url": url})
        assert refused.status_code == 403, (url, refused.text)
        assert (refused.json()["error"]["code"], refused.json()["error"]["reason"]) == ("url_blocked", reason), url
    transactions = (await client.get("/api/l402/transactions", headers=admin.headers)).json()["data"]["transactions"]
    assert [t["kind"] for t in transactions] == ["invoice"]  # only the funding: nothing was paid


async def test_an_admin_cannot_point_a_paywall_upstream_at_the_address_matrix(client, db) -> None:
    admin = await sign_in(client, db, ADMIN)
    for i, (url, reason) in enumerate(MATRIX):
        refused = await client.post("/api/l402/paywalls", headers=admin.headers,
                                    json={"name": f"up{i}", "route_prefix": f"/api/up{i}", "price_sats": 1,
                                          "upstream_url": url.rstrip("/")})
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["error"]["code"] == "upstream_url_blocked", url
        assert refused.json()["error"]["reason"] == reason, url
    assert (await client.get("/api/l402/paywalls", headers=admin.headers)).json()["data"]["paywalls"] == []
    changed = await client.post("/api/l402/paywalls", headers=admin.headers,
                                json={"name": "ok", "route_prefix": "/api/ok", "price_sats": 1,
                                      "upstream_url": "https://weather.invalid/v1"})
    assert changed.status_code == 201, changed.text  # a public-looking name that does not resolve yet
    patched = await client.patch(f"/api/l402/paywalls/{changed.json()['data']['id']}", headers=admin.headers,
                                 json={"upstream_url": "http://169.254.169.254"})
    assert patched.status_code == 422 and patched.json()["error"]["reason"] == "ssrf_block.metadata_endpoint"


class _Recorder(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        self.connected.append((host, port))
        raise httpcore.ConnectError("recorded")


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[list[str]]) -> list[str]:
    asked: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        addresses = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


async def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected(monkeypatch) -> None:
    # A rebinding resolver: public on the first answer, loopback on every later one.
    asked = _fake_dns(monkeypatch, [["93.184.216.34"], ["127.0.0.1"]])
    recorder = _Recorder()
    backend = GuardedBackend(AllowList(), inner=recorder)
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("rebind.example", 443)
    assert asked == ["rebind.example"] and recorder.connected == [("93.184.216.34", 443)]
    with pytest.raises(Blocked) as second:  # the next connection asks again, and is refused
        await backend.connect_tcp("rebind.example", 443)
    assert second.value.reason_code == "ssrf_block.private_address" and recorder.connected == [("93.184.216.34", 443)]


async def test_one_private_address_among_public_ones_refuses_the_name_and_the_allowance_is_explicit(monkeypatch) -> None:
    _fake_dns(monkeypatch, [["93.184.216.34", "10.1.2.3"]])
    recorder = _Recorder()
    with pytest.raises(Blocked):
        await GuardedBackend(AllowList(), inner=recorder).connect_tcp("mixed.example", 80)
    assert recorder.connected == []
    allowed = GuardedBackend(AllowList.parse(["10.0.0.0/8"]), inner=recorder)
    with pytest.raises(httpcore.ConnectError):
        await allowed.connect_tcp("mixed.example", 80)
    assert recorder.connected == [("93.184.216.34", 80)]
    assert netguard.refusal(ipaddress.ip_address("8.8.8.8")) is None


async def test_a_guarded_client_refuses_before_sending_and_ignores_proxy_variables(monkeypatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://93.184.216.34:3128")  # a proxy would make the connection unchecked
    async with netguard.guarded_client(AllowList(), timeout=2) as http:
        for url, reason in MATRIX[:-1]:
            with pytest.raises(Blocked) as refused:
                await http.get(url)
            assert refused.value.reason_code == reason, url
