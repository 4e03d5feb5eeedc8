"""/feed's infinite scroll and its "N new shouts" pill in Chromium against the real server (ADR 0702).

The shout list is the toolkit's virtualised list (its mirror element is ``#feed-list``): scrolling it
near its end loads the next keyset page with no click; scrolled away from the top, a live shout waits
behind a pill, which (pressed with the keyboard here) shows it and scrolls the list to the top.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from e2e.test_social_pages import GONE, LIVE_MS, seed_shouts
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

#: 10 shouts a minute per person (issue 21): seven people post 70 shouts, oldest first (p0's first).
PEOPLE = 7


def _seed(server: LiveServer) -> None:
    seed_shouts(server, {f"p{n}@example.com": [{"text": f"shout {n * 10 + i:02d}"} for i in range(10)]
                         for n in range(PEOPLE)})


def _scroll_list_to_end(page: Page) -> None:
    page.locator("#feed-list").evaluate("e => { e.scrollTop = e.scrollHeight; }")


def _scroll_until(page: Page, text: str, timeout: float = 30.0) -> None:
    """Scroll to the end of the list, again and again, until ``text`` is on the page, as a reader would:
    one scroll right after a page arrived can land before the list has grown to hold it."""
    deadline = time.monotonic() + timeout
    while page.get_by_text(text, exact=True).count() == 0:
        assert time.monotonic() < deadline, f"{text!r} never loaded"
        _scroll_list_to_end(page)
        time.sleep(0.5)


def test_scrolling_the_feed_near_its_end_loads_the_next_pages_with_no_click(
        page: Page, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    _seed(server)
    page.goto(server.url + "/feed")
    wait_booted(page)
    expect(page.get_by_text("shout 69", exact=True)).to_be_visible(timeout=60_000)
    listing = page.get_by_role("list", name="Shouts")
    expect(listing).to_be_visible()
    expect(page.get_by_text("shout 39", exact=True)).to_have_count(0)  # page 1 holds 69..40
    _scroll_until(page, "shout 39")  # page 2, no click
    expect(page.get_by_text("shout 39", exact=True)).to_have_count(1)
    _scroll_until(page, "shout 00")  # page 3
    expect(page.get_by_text("shout 00", exact=True)).to_be_visible()
    expect(page.get_by_text("That's everything.")).to_be_visible()
    # Only the rows near the visible part are in the mirror (the canvas draws only the visible ones).
    mirrored = page.locator("#feed-list [role=listitem]").count()
    assert 0 < mirrored < 70, mirrored
    for n in ("00", "05"):  # each shout once
        expect(page.get_by_text(f"shout {n}", exact=True)).to_have_count(1)


def test_live_shouts_wait_behind_the_pill_when_scrolled_down_and_the_pill_shows_them(
        page: Page, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    _seed(server)
    page.goto(server.url + "/feed")
    wait_booted(page)
    expect(page.get_by_text("shout 69", exact=True)).to_be_visible(timeout=60_000)
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)
    feed_list = page.locator("#feed-list")
    feed_list.evaluate("e => { e.scrollTop = 700; }")
    page.wait_for_timeout(500)  # the scroll event → the list's edge ("middle") → the reducer: a task away
    reading = page.get_by_text("shout 58", exact=True)
    before = reading.bounding_box()
    seed_shouts(server, {"late@example.com": [{"text": "a late shout"}]})

    pill = page.get_by_role("button", name="1 new shout")
    expect(pill).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_text("a late shout", exact=True)).to_have_count(0)  # nothing moved under the reader
    assert feed_list.evaluate("e => e.scrollTop") == 700
    assert reading.bounding_box() == before
    pill.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("a late shout", exact=True)).to_be_visible(timeout=10_000)
    expect(pill).to_have_count(0)
    assert feed_list.evaluate("e => e.scrollTop") == 0

    # At the top a new shout appears directly.
    seed_shouts(server, {"later@example.com": [{"text": "at the top"}]})
    expect(page.get_by_text("at the top", exact=True)).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_role("button", name="1 new shout")).to_have_count(0)
