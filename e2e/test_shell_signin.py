"""Sign-in from a deep link and the profile edit, in Chromium against the real server.

Signed out, ``/settings/profile`` leads to ``/login?next=/settings/profile``; after email → code →
verify the person is back on the profile page without a document reload (a ``window`` marker set
after boot survives), and a saved name is still there after a reload.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted
from tests.identity.conftest import pending_code
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

EMAIL = "grace@example.com"


def test_deep_link_sign_in_comes_back_without_reload_and_profile_edit_persists(
        server: LiveServer, page: Page, guard: Guard) -> None:  # server first: it stops after the page closes
    # the wrong code's answer (422) is expected; a signed-out visit sends no request that would 401
    guard.allow(r"status of 422")
    page.goto(server.url + "/settings/profile")
    wait_booted(page)
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")

    expect(page).to_have_url(re.compile(r"/login\?next=/settings/profile$"), timeout=60_000)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code")).to_be_visible(timeout=30_000)

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(re.compile("code", re.IGNORECASE)).first).to_be_visible()

    with ThreadPoolExecutor(1) as pool:  # pytest-asyncio's loop runs in this thread
        code = pool.submit(asyncio.run, pending_code(server.database_url, EMAIL)).result()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/settings/profile$"), timeout=30_000)
    name = page.get_by_label("Name")
    expect(name).to_be_visible(timeout=30_000)
    assert page.evaluate("() => window.__oaMarker") == "no-reload"

    name.fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter your name.")).to_be_visible()

    name.fill("Grace Hopper")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible(timeout=30_000)

    page.reload()
    wait_booted(page)
    expect(page.get_by_label("Name")).to_have_value("Grace Hopper", timeout=30_000)
    assert page.evaluate("() => window.__oaMarker") is None  # that one was a real reload
