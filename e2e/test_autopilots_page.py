"""The autopilot pages in Chromium against the real server: create an autopilot, send "post hello
to the feed" with the demo adapter, see the run's tool call with its decision and result, the shout
on the feed; then take feed.post out of the policy and see the denial with its reason code."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted
from tests.identity.conftest import pending_code
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

EMAIL = "pilot@example.com"


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url + "/autopilots")
    wait_booted(page)
    expect(page).to_have_url(re.compile(r"/login\?next=/autopilots$"), timeout=60_000)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code")).to_be_visible(timeout=30_000)
    with ThreadPoolExecutor(1) as pool:
        code = pool.submit(asyncio.run, pending_code(server.database_url, EMAIL)).result()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/autopilots$"), timeout=30_000)


def test_post_hello_to_the_feed_from_the_page_and_see_a_denial(page: Page, server: LiveServer, guard: Guard) -> None:
    _sign_in(page, server)
    page.get_by_label("Name").fill("Scout")
    page.get_by_role("button", name="Create autopilot").click()
    expect(page).to_have_url(re.compile(r"/autopilots/ap_[0-9a-f]+$"), timeout=30_000)
    expect(page.get_by_text("Risk: posts publicly in your name")).to_be_visible(timeout=30_000)

    page.get_by_label("Message").fill("post hello to the feed")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(re.compile(r"feed\.post — allowed \(policy_allowed\.default\) — succeeded"))) \
        .to_be_visible(timeout=30_000)
    expect(page.get_by_text("Run succeeded (completed)")).to_be_visible()
    shouts = httpx.get(server.url + "/api/shouts").json()["data"]["shouts"]
    assert [s["text"] for s in shouts] == ["hello"]

    page.get_by_role("checkbox", name=re.compile(r"feed\.post — Post")).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible(timeout=30_000)
    page.get_by_label("Message").fill("post secrets to the feed")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(re.compile(r"feed\.post — denied \(policy_denied\.explicit_deny\)"))) \
        .to_be_visible(timeout=30_000)
    expect(page.get_by_text("Run succeeded (completed)")).to_have_count(2, timeout=30_000)
    assert len(httpx.get(server.url + "/api/shouts").json()["data"]["shouts"]) == 1
    page.get_by_role("link", name="Home").click()  # leaving ends the page's listens: no socket outlives the test
    expect(page).to_have_url(re.compile(r"/$"))


def test_a_call_that_needs_approval_waits_and_the_owner_approves_it_on_the_page(page: Page, server: LiveServer,
                                                                                guard: Guard) -> None:
    _sign_in(page, server)
    page.get_by_label("Name").fill("Herald")
    page.get_by_role("button", name="Create autopilot").click()
    expect(page).to_have_url(re.compile(r"/autopilots/ap_[0-9a-f]+$"), timeout=30_000)
    expect(page.get_by_text("Risk: posts publicly in your name")).to_be_visible(timeout=30_000)
    # "ask me first" for feed.post (the switches follow the tools' order: noop, http.fetch, feed.post, …)
    page.get_by_role("checkbox", name="ask me first").nth(2).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible(timeout=30_000)

    page.get_by_label("Message").fill("post approved hello to the feed")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text(re.compile(r"Waiting for the owner's approval: feed\.post"))).to_be_visible(timeout=30_000)
    assert httpx.get(server.url + "/api/shouts").json()["data"]["shouts"] == []
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("feed.post approved by the owner")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Run succeeded (completed)")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(page.get_by_text(re.compile(r"feed\.post — allowed \(policy_allowed\.default\) — succeeded"))) \
        .to_be_visible(timeout=30_000)
    # the feed's read is cached briefly (it was read above, before the approval): ask until it shows
    deadline = time.monotonic() + 15
    while "approved hello" not in [s["text"] for s in httpx.get(server.url + "/api/shouts").json()["data"]["shouts"]]:
        assert time.monotonic() < deadline, "the approved shout never appeared on the feed"
        time.sleep(0.25)
    page.get_by_role("link", name="Home").click()
    expect(page).to_have_url(re.compile(r"/$"))
