"""The browser session scheme in a real Chromium: HttpOnly tokens, readable CSRF cookie, refresh.

Served over http://127.0.0.1, which Chromium treats as a secure context, so the Secure cookies are
stored and sent exactly as they would be over HTTPS.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from openagents_server.domains.identity import dev_login as test_login
from openagents_server.settings import load_settings
from playwright.async_api import async_playwright

pytestmark = pytest.mark.e2e
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

FETCH = """async ([method, path]) => {
  const csrf = (document.cookie.match(/(?:^|; )oa_csrf=([^;]+)/) || [])[1] || "";
  const r = await fetch(path, {method, headers: {"x-csrf-token": csrf}, credentials: "same-origin"});
  return {status: r.status, body: await r.json()};
}"""


async def test_cookie_session_in_chromium(live_server) -> None:
    server = live_server()
    secret = load_settings({}).test_login_secret  # the dev default the test server runs with
    query = test_login.signed_query(secret, "chromium@example.com", redirect="/healthz")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{server.url}/internal/test-login?{query}")
            assert urlsplit(page.url).path == "/healthz"
            cookies = {c["name"]: c for c in await page.context.cookies()}
            assert cookies["oa_session"]["httpOnly"] and cookies["oa_session"]["secure"]
            assert cookies["oa_session"]["sameSite"] == "Lax" and not cookies["oa_csrf"]["httpOnly"]

            visible = await page.evaluate("document.cookie")
            assert "oa_csrf=" in visible and "oa_at_" not in visible and "oa_rt_" not in visible

            me = await page.evaluate(FETCH, ["GET", "/api/me"])
            assert me["status"] == 200 and me["body"]["data"]["user"]["email"] == "chromium@example.com"
            refreshed = await page.evaluate(FETCH, ["POST", "/api/auth/refresh"])
            assert refreshed["status"] == 200, refreshed
            assert "refresh_token" not in refreshed["body"]["data"]["session"]
            assert (await page.evaluate(FETCH, ["GET", "/api/me"]))["status"] == 200
            assert (await page.evaluate(FETCH, ["POST", "/api/auth/logout"]))["status"] == 200
            assert (await page.evaluate(FETCH, ["GET", "/api/me"]))["status"] == 401
        finally:
            await browser.close()
