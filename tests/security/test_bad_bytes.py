"""Issue 18 point 3: NUL characters and deeply nested JSON are bad input (422), never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import signed_in_live

DEEP = b'{"email":' + b"[" * 1000 + b"]" * 1000 + b"}"


def _assert_invalid(response: httpx.Response) -> None:
    assert response.status_code == 422, (response.status_code, response.text)
    body = response.json()
    assert body["error"]["code"] == "invalid_request" and body["errors"]


def _assert_quiet_log(log: str) -> None:
    assert "Traceback" not in log and "unhandled_exception" not in log, log[-3000:]


def test_nul_in_fields_and_paths_without_credentials(server) -> None:
    with httpx.Client(base_url=server.url) as http:
        _assert_invalid(http.post("/api/auth/email", content=b'{"email":"a\\u0000b@example.com"}',
                                  headers={"content-type": "application/json"}))
        _assert_invalid(http.post("/api/auth/verify", json={"email": "a\x00b@example.com", "code": "123456"}))
        _assert_invalid(http.post("/login/email", data={"email": "a\x00b@example.com"},
                                  headers={"accept": "application/json"}))
        _assert_invalid(http.get("/api/tokens/a%00b"))
        _assert_invalid(http.get("/api/sync/snapshot?topic=a%00b"))
    _assert_quiet_log(server.log())


def test_nul_in_authenticated_bodies_and_paths(server, database_url) -> None:
    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url, headers=me.headers) as http:
        _assert_invalid(http.post("/api/tokens", json={"name": "a\x00b"}))
        _assert_invalid(http.patch("/api/settings/profile", json={"name": "Ada\x00"}))
        _assert_invalid(http.delete("/api/tokens/a%00b"))
        for path in ("/api/tokens", "/api/sync/token", "/api/auth/sessions/revoke"):
            _assert_invalid(http.post(path, content=DEEP, headers={"content-type": "application/json"}))
        # Still usable afterwards, and a NUL-free body with a percent sign is fine.
        assert http.post("/api/tokens", json={"name": "100%00 sure"}).status_code == 201
    _assert_quiet_log(server.log())


@pytest.mark.parametrize("path", ["/api/auth/email", "/api/auth/verify", "/api/auth/refresh", "/api/tokens",
                                  "/api/sync/token", "/api/internal/khala/publish"])
def test_json_nested_a_thousand_levels(server, path) -> None:
    with httpx.Client(base_url=server.url) as http:
        response = http.post(path, content=DEEP, headers={"content-type": "application/json"})
    assert response.status_code in (401, 422), (response.status_code, response.text)
    if response.status_code == 422:
        _assert_invalid(response)
    _assert_quiet_log(server.log())
