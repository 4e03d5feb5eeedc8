"""Browser sessions: cookie attributes, no token in JavaScript's reach, CSRF, form routes, test login."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.domains.identity import dev_login as test_login
from openagents_server.settings import Settings, load_settings

from tests.identity.conftest import BROWSER, pending_code
from tests.support.production import production_secrets


def _set_cookies(response) -> dict[str, SimpleCookie]:
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            cookies[name] = morsel
    return cookies


async def _browser_sign_in(client: AsyncTestClient, db: asyncpg.Connection, email: str = "web@example.com"):
    sent = await client.post("/api/auth/email", json={"email": email}, headers=BROWSER)
    assert sent.status_code == 200
    code = await pending_code(db, email)
    # The challenge id travels in an HttpOnly cookie: the page only sends email and code.
    response = await client.post("/api/auth/verify", json={"email": email, "code": code}, headers=BROWSER)
    assert response.status_code == 200, response.text
    return response


def _cookie_header(cookies: dict[str, SimpleCookie], *names: str) -> str:
    return "; ".join(f"{n}={cookies[n].value}" for n in names)


async def test_browser_sign_in_sets_hardened_cookies_and_hides_tokens(client, db) -> None:
    response = await _browser_sign_in(client, db)
    session = response.json()["data"]["session"]
    assert "access_token" not in session and "refresh_token" not in session
    cookies = _set_cookies(response)
    for name in ("oa_session", "oa_refresh", "oa_device"):
        morsel = cookies[name]
        assert morsel["httponly"] and morsel["secure"] and morsel["samesite"].lower() == "lax"
        assert morsel["path"] == "/"
    for name in ("oa_session", "oa_refresh"):
        assert cookies[name].value not in response.text  # the tokens never appear in the JSON body
    csrf = cookies["oa_csrf"]
    assert not csrf["httponly"] and csrf["secure"] and csrf.value == session["csrf_token"]
    assert int(cookies["oa_session"]["max-age"]) == 3600


async def test_https_origin_uses_host_prefixed_cookies(database_url: str, db) -> None:
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             public_origin="https://openagents.example")
    async with AsyncTestClient(create_app(settings), base_url="https://openagents.example") as client:
        response = await _browser_sign_in(client, db)
    names = set(_set_cookies(response))
    assert {"__Host-oa_session", "__Host-oa_refresh", "__Host-oa_csrf", "__Host-oa_device"} <= names
    for morsel in _set_cookies(response).values():
        assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"]


@pytest.mark.parametrize("csrf", [None, "wrong", ""])
async def test_cookie_mutation_without_valid_csrf_is_refused(client, db, csrf) -> None:
    cookies = _set_cookies(await _browser_sign_in(client, db))
    headers = {**BROWSER, "cookie": _cookie_header(cookies, "oa_session")}
    if csrf is not None:
        headers["x-csrf-token"] = csrf
    response = await client.post("/api/auth/logout", headers=headers)
    assert response.status_code == 403 and response.json()["error"]["reason"] == "csrf_failed"
    # Nothing happened: the session still works for reads.
    assert (await client.get("/api/me", headers={"cookie": headers["cookie"]})).status_code == 200


async def test_cookie_mutation_with_csrf_header_works_and_logout_clears_cookies(client, db) -> None:
    cookies = _set_cookies(await _browser_sign_in(client, db))
    headers = {**BROWSER, "cookie": _cookie_header(cookies, "oa_session"), "x-csrf-token": cookies["oa_csrf"].value}
    patch = await client.patch("/api/settings/profile", json={"name": "Web User"}, headers=headers)
    assert patch.status_code == 200 and patch.json()["data"]["name"] == "Web User"
    logout = await client.post("/api/auth/logout", headers=headers)
    assert logout.status_code == 200
    cleared = _set_cookies(logout)
    assert cleared["oa_session"].value == "" and cleared["oa_session"]["max-age"] == "0"
    assert (await client.get("/api/me", headers={"cookie": headers["cookie"]})).status_code == 401


async def test_cross_site_requests_are_refused_even_with_csrf(client, db) -> None:
    cookies = _set_cookies(await _browser_sign_in(client, db))
    headers = {"sec-fetch-site": "cross-site", "cookie": _cookie_header(cookies, "oa_session"),
               "x-csrf-token": cookies["oa_csrf"].value}
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 403
    login_csrf = await client.post("/api/auth/email", json={"email": "x@example.com"},
                                   headers={"sec-fetch-site": "cross-site"})
    assert login_csrf.status_code == 403


async def test_bearer_mutations_need_no_csrf(client, signed_in) -> None:
    me = await signed_in()
    response = await client.patch("/api/settings/profile", json={"name": "API"}, headers=me.headers)
    assert response.status_code == 200


async def test_browser_refresh_uses_the_cookie_and_needs_csrf(client, db) -> None:
    cookies = _set_cookies(await _browser_sign_in(client, db))
    base = {**BROWSER, "cookie": _cookie_header(cookies, "oa_refresh")}
    refused = await client.post("/api/auth/refresh", headers=base)
    assert refused.status_code == 403
    response = await client.post("/api/auth/refresh", headers={**base, "x-csrf-token": cookies["oa_csrf"].value})
    assert response.status_code == 200, response.text
    assert "refresh_token" not in response.json()["data"]["session"]
    rotated = _set_cookies(response)
    assert rotated["oa_refresh"].value != cookies["oa_refresh"].value
    assert (await client.get("/api/me", headers={"cookie": _cookie_header(rotated, "oa_session")})).status_code == 200


async def test_form_login_flow_redirects_and_sets_cookies(client, db) -> None:
    sent = await client.post("/login/email", data={"email": "Form@Example.com"}, headers=BROWSER)
    assert sent.status_code == 303 and sent.headers["location"] == "/authenticate"  # no email in the URL
    challenge = _set_cookies(sent)["oa_challenge"]
    code = await pending_code(db, "form@example.com")
    verified = await client.post(
        "/login/verify", data={"code": code, "next": "/chat/abc"},  # the challenge cookie names the email
        headers={**BROWSER, "cookie": f"oa_challenge={challenge.value}"},
    )
    assert verified.status_code == 303 and verified.headers["location"] == "/chat/abc"
    cookies = _set_cookies(verified)
    assert cookies["oa_session"].value.startswith("oa_at_")
    logout = await client.post("/logout", data={"csrf_token": cookies["oa_csrf"].value},
                               headers={**BROWSER, "cookie": _cookie_header(cookies, "oa_session")})
    assert logout.status_code == 303 and _set_cookies(logout)["oa_session"].value == ""
    assert (await client.get("/api/me", headers={"cookie": _cookie_header(cookies, "oa_session")})).status_code == 401


async def test_form_errors_redirect_back_with_a_code(client, db) -> None:
    bad = await client.post("/login/email", data={"email": "not-an-email"}, headers=BROWSER)
    assert bad.status_code == 303 and "error=invalid_request" in bad.headers["location"]
    wrong = await client.post("/login/verify", data={"email": "nobody@example.com", "code": "123456"}, headers=BROWSER)
    assert wrong.status_code == 303 and "error=invalid_code" in wrong.headers["location"]
    offsite = await client.post("/login/verify", data={"email": "a@example.com", "code": "1"},
                                headers={**BROWSER, "accept": "application/json"})
    assert offsite.status_code == 422


async def test_form_redirect_target_cannot_leave_the_site() -> None:
    for target in ("//evil.example", "https://evil.example", "/\\evil.example", "", "javascript:alert(1)"):
        assert test_login.safe_redirect(target) == "/"
    assert test_login.safe_redirect("/settings/profile") == "/settings/profile"


async def test_signed_test_login_link(client, settings: Settings) -> None:
    query = test_login.signed_query(settings.test_login_secret, "e2e@example.com", redirect="/workers")
    response = await client.get(f"/internal/test-login?{query}")
    assert response.status_code == 303 and response.headers["location"] == "/workers"
    cookies = _set_cookies(response)
    me = await client.get("/api/me", headers={"cookie": _cookie_header(cookies, "oa_session")})
    assert me.json()["data"]["user"]["email"] == "e2e@example.com"

    tampered = query.replace("e2e%40example.com", "admin%40example.com")
    assert (await client.get(f"/internal/test-login?{tampered}")).status_code == 403
    expired = test_login.signed_query(settings.test_login_secret, "e2e@example.com", now=int(time.time()) - 3600)
    response = await client.get(f"/internal/test-login?{expired}")
    assert response.status_code == 403 and response.json()["error"]["reason"] == "expired"


async def test_test_login_is_404_in_production(database_url: str) -> None:
    settings = load_settings({}, env="production", database_url=database_url, log_level="warning",
                             test_login_secret="u" * 40, **production_secrets())
    async with AsyncTestClient(create_app(settings)) as client:
        query = test_login.signed_query(settings.test_login_secret, "e2e@example.com")
        response = await client.get(f"/internal/test-login?{query}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
        # The local provider never hands out codes in production either.
        sent = await client.post("/api/auth/email", json={"email": "x@example.com"})
        assert sent.status_code == 503


async def test_session_endpoint_hands_the_page_its_csrf_token(client, db) -> None:
    cookies = _set_cookies(await _browser_sign_in(client, db))
    session = await client.get("/api/auth/session", headers={"cookie": _cookie_header(cookies, "oa_session")})
    assert session.status_code == 200
    assert session.json()["data"]["session"]["csrf_token"] == cookies["oa_csrf"].value
    sibling = await client.post("/api/auth/logout", headers={
        "sec-fetch-site": "same-site", "cookie": _cookie_header(cookies, "oa_session"),
        "x-csrf-token": cookies["oa_csrf"].value})
    assert sibling.status_code == 403 and sibling.json()["error"]["reason"] == "cross_site_request"
