"""Sessions and tokens in Chromium against the real server.

Two browser contexts signed in as the same person: revoking the other session from the first puts
the second on the sign-in screen within 2 s (its Khala socket closed with 4010), with no reload by
the test. A personal access token is created, shown once, works as a Bearer token from a plain HTTP
client, and answers 401 once revoked. Sign-out from the user menu ends on /login.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from openagents_server.domains.identity import dev_login
from openagents_server.settings import load_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from e2e.test_shell_delivery import _wait_controlled
from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

EMAIL = "grace@example.com"


@pytest.fixture
def contexts(server: LiveServer, browser: Browser, guard: Guard) -> Iterator[list[BrowserContext]]:
    """Browser contexts closed before the server stops (a live socket would log reconnect errors)."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _signed_in_page(contexts: list[BrowserContext], browser: Browser, guard: Guard, server: LiveServer,
                    redirect: str = "/") -> Page:
    context = browser.new_context()
    guard.attach(context)
    contexts.append(context)
    page = context.new_page()
    query = dev_login.signed_query(load_settings({}).test_login_secret, EMAIL, redirect=redirect)
    page.goto(f"{server.url}/internal/test-login?{query}")
    wait_booted(page)
    return page


def _live(page: Page) -> None:
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)


def test_revoking_the_other_session_signs_it_out_live(contexts: list[BrowserContext], browser: Browser, guard: Guard,
                                                   server: LiveServer) -> None:
    # the revoked context's socket is closed by the server, and its next request answers 401
    guard.allow(r"status of 401")
    second = _signed_in_page(contexts, browser, guard, server, "/")
    _live(second)
    second.evaluate("() => { window.__oaMarker = 'no-reload'; }")
    first = _signed_in_page(contexts, browser, guard, server, "/account/sessions")
    _live(first)
    expect(first.get_by_text(re.compile(r"this device"))).to_be_visible(timeout=30_000)
    expect(first.get_by_role("button", name="Sign out", exact=True)).to_have_count(1)

    first.get_by_role("button", name="Sign out everywhere else").click()
    started = time.monotonic()
    expect(second).to_have_url(re.compile(r"/login\?next=/$"), timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed
    assert second.evaluate("() => window.__oaMarker") == "no-reload"
    expect(first.get_by_text("Signed out 1 other session.")).to_be_visible()
    expect(first.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    assert first.evaluate("() => window.__oa.sync()")["user"]["phase"] == "live"


def test_a_token_is_shown_once_works_as_bearer_and_is_revoked(contexts: list[BrowserContext], browser: Browser,
                                                               guard: Guard, server: LiveServer) -> None:
    page = _signed_in_page(contexts, browser, guard, server, "/account/tokens")
    page.get_by_label("Token name").fill("ci")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy this token now: it is shown only once.")).to_be_visible(timeout=30_000)
    value = page.evaluate(r"""() => [...document.querySelectorAll('#oa-app *')].map(n => n.textContent)
        .find(t => t && /^oa_pat_\S+$/.test(t.trim()))""")
    assert value, "the token's value is on the page"
    value = value.strip()
    me = httpx.get(server.url + "/api/me", headers={"authorization": f"Bearer {value}"})
    assert me.status_code == 200 and me.json()["data"]["user"]["email"] == EMAIL, me.text

    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Copy this token now: it is shown only once.")).to_have_count(0)
    assert value not in page.content()  # never shown again
    expect(page.get_by_text(re.compile(r"^ci · \*"))).to_be_visible()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Token revoked.")).to_be_visible(timeout=30_000)
    assert httpx.get(server.url + "/api/me", headers={"authorization": f"Bearer {value}"}).status_code == 401


def test_sign_out_from_the_user_menu(contexts: list[BrowserContext], browser: Browser, guard: Guard,
                                                   server: LiveServer) -> None:
    page = _signed_in_page(contexts, browser, guard, server, "/")
    _live(page)
    # No request answers 401 on the way out: the live channel closes before the logout is sent (before,
    # the server closing the revoked session's socket made it ask for a sync token and a refresh), and
    # signed out, a gated page goes to sign-in without asking the API first.
    page.get_by_role("button", name=EMAIL).click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"), timeout=30_000)
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'idle'", 10_000)
    page.goto(server.url + "/account/sessions")
    wait_booted(page)
    expect(page).to_have_url(re.compile(r"/login\?next=/account/sessions$"), timeout=30_000)


def test_a_sign_in_elsewhere_appears_live_as_a_notification(contexts: list[BrowserContext], browser: Browser,
                                                             guard: Guard, server: LiveServer) -> None:
    page = _signed_in_page(contexts, browser, guard, server, "/")
    _live(page)
    expect(page.get_by_text("0 unread")).to_be_visible(timeout=30_000)  # its own sign-in: listed, not new
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")

    query = dev_login.signed_query(load_settings({}).test_login_secret, EMAIL, redirect="/")
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Firefox/133.0"
    elsewhere = httpx.get(f"{server.url}/internal/test-login?{query}", headers={"user-agent": agent})
    assert elsewhere.status_code == 303, elsewhere.text
    started = time.monotonic()
    expect(page.get_by_role("status").filter(has_text="New sign-in: Firefox on Windows")).to_be_visible(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed
    expect(page.get_by_text("1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("0 unread")).to_be_visible()
    assert page.evaluate("() => window.__oaMarker") == "no-reload"


def test_offline_reload_shows_the_kept_notifications_and_goes_live_when_the_server_is_back(
        server: LiveServer, bundles: BuiltBundles, persistent: Callable[[], BrowserContext], guard: Guard) -> None:
    page = persistent().new_page()
    query = dev_login.signed_query(load_settings({}).test_login_secret, EMAIL, redirect="/")
    page.goto(f"{server.url}/internal/test-login?{query}")
    wait_booted(page)
    _wait_controlled(page, bundles.b)
    _live(page)
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Firefox/133.0"
    assert httpx.get(f"{server.url}/internal/test-login?{query}", headers={"user-agent": agent}).status_code == 303
    expect(page.get_by_text("New sign-in: Firefox on Windows").first).to_be_visible(timeout=5_000)
    time.sleep(1.5)  # past the 800 ms IndexedDB write throttle

    server.stop()
    guard.allow(r"ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch|WebSocket")
    page.reload()
    shell = wait_booted(page)
    assert shell["online"] == "0"
    expect(page.locator("#oa-offline")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("New sign-in: Firefox on Windows")).to_be_visible(timeout=30_000)  # from IndexedDB
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")

    server.start()
    _live(page)  # back: the socket reconnects by itself
    assert page.evaluate("() => window.__oaMarker") == "no-reload"
    expect(page.locator("#oa-offline")).to_have_count(0, timeout=30_000)
