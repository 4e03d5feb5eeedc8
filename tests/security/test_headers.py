"""Issue 18 points 5 and 8: credential responses are never cached; API JSON carries nosniff and CORP;
HEAD works wherever GET does; OPTIONS lists every method; HSTS on an https production instance."""

from __future__ import annotations

import secrets
import socket

import httpx
from openagents_server.settings import PRODUCTION_SECRETS

from tests.security.conftest import code_for, signed_in_live
from tests.support.production import production_environment


def _assert_private(response: httpx.Response) -> None:
    assert response.headers.get("cache-control") == "no-store", (response.request.url, response.headers)
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("cross-origin-resource-policy") == "same-origin"


def test_every_credential_response_is_no_store(server, database_url) -> None:
    email = "cache@example.com"
    with httpx.Client(base_url=server.url) as http:
        sent = http.post("/api/auth/email", json={"email": email})
        _assert_private(sent)
        verified = http.post("/api/auth/verify", json={"email": email, "code": code_for(database_url, email),
                                                       "challenge_id": sent.json()["data"]["challenge_id"]})
        assert verified.status_code == 200
        _assert_private(verified)
        session = verified.json()["data"]["session"]
        auth = {"authorization": f"Bearer {session['access_token']}"}
        refreshed = http.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]})
        assert refreshed.status_code == 200
        _assert_private(refreshed)
        auth = {"authorization": f"Bearer {refreshed.json()['data']['session']['access_token']}"}
        for response in (http.post("/api/tokens", headers=auth, json={"name": "ci"}),
                         http.post("/api/sync/token", headers=auth),
                         http.get("/api/auth/session", headers=auth),
                         http.get("/api/me", headers=auth),
                         http.get("/api/me"),  # errors too
                         http.get("/api/nope")):
            assert response.status_code in (200, 201, 401, 404)
            _assert_private(response)
        form = http.post("/login/email", data={"email": email})
        assert form.status_code == 303 and form.headers["cache-control"] == "no-store"


def test_head_is_answered_like_get(server, database_url) -> None:
    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url) as http:
        for path, headers in (("/healthz", {}), ("/api/me", me.headers), ("/openapi.json", {})):
            got, head = http.get(path, headers=headers), http.head(path, headers=headers)
            assert head.status_code == got.status_code == 200, (path, head.status_code)
            assert head.content == b""
            assert head.headers["content-type"] == got.headers["content-type"]
            assert head.headers["content-length"] == str(len(got.content))
        assert http.head("/api/me").status_code == 401  # still authenticated like the GET


def test_options_lists_every_method_of_a_path(server) -> None:
    with httpx.Client(base_url=server.url) as http:
        allow = http.options("/api/settings/profile").headers.get("allow", "")
    assert {m.strip() for m in allow.split(",")} >= {"GET", "PATCH", "DELETE", "OPTIONS"}, allow


def test_hsts_on_an_https_production_instance(live_server) -> None:
    env = {f"OPENAGENTS_{name.upper()}": secrets.token_urlsafe(32) for name in PRODUCTION_SECRETS}
    env |= production_environment()
    env |= {"OPENAGENTS_ENV": "production", "OPENAGENTS_PUBLIC_ORIGIN": "https://openagents.example"}
    server = live_server(env=env)
    with httpx.Client(base_url=server.url) as http:
        for path in ("/healthz", "/api/me", "/"):
            response = http.get(path)
            assert response.headers.get("strict-transport-security") == "max-age=63072000; includeSubDomains", path


def test_no_hsts_over_plain_http(server) -> None:
    with httpx.Client(base_url=server.url) as http:
        assert "strict-transport-security" not in http.get("/healthz").headers


def test_granian_refuses_huge_headers_with_an_empty_body(server) -> None:
    """Documented in docs/SECURITY.md: these refusals come from granian, before our app and envelope."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 600_000 + b"\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
            if b"\r\n\r\n" in reply and (b"content-length: 0" in reply.lower() or len(reply) > 4096):
                break
    head, _, body = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert status in (400, 431), head
    assert body == b""
