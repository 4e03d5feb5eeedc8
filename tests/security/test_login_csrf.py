"""Issue 18 point 6: without Fetch Metadata, a foreign Origin cannot sign a browser in (login CSRF)."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import code_for

EVIL = {"origin": "https://evil.example"}


def _form(http: httpx.Client, database_url: str, email: str) -> dict[str, str]:
    assert http.post("/login/email", data={"email": email}).status_code == 303
    return {"email": email, "code": code_for(database_url, email)}


def test_form_verify_from_a_foreign_origin_is_refused(server, database_url) -> None:
    with httpx.Client(base_url=server.url) as http:
        form = _form(http, database_url, "victim@example.com")
        attack = http.post("/login/verify", data=form, headers=EVIL)
        assert attack.status_code == 403, attack.text
        assert attack.json()["error"]["reason"] == "cross_site_request"
        assert "set-cookie" not in attack.headers
        # The same form from our own page (Origin = this server) still signs in.
        own = http.post("/login/verify", data=form, headers={"origin": server.url})
        assert own.status_code == 303 and "oa_session" in own.headers.get("set-cookie", "")


@pytest.mark.parametrize(("path", "body"), [
    ("/api/auth/email", {"json": {"email": "x@example.com"}}),
    ("/api/auth/verify", {"json": {"email": "x@example.com", "code": "123456"}}),
    ("/login/email", {"data": {"email": "x@example.com"}}),
])
def test_other_sign_in_steps_check_the_origin_too(server, path, body) -> None:
    with httpx.Client(base_url=server.url) as http:
        for origin in ("https://evil.example", "null"):
            response = http.post(path, headers={"origin": origin}, **body)
            assert response.status_code == 403, response.text


def test_api_clients_without_origin_are_unaffected(server) -> None:
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/api/auth/email", json={"email": "cli@example.com"}).status_code == 200
