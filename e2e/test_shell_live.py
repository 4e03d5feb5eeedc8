"""Live sync in the browser: a page listens to a Khala topic and a new event reaches it, no reload.

An anonymous reader opens ``/debug?topic=feed:public`` (the live probe: the page-facing sync API's
smallest user); the shell mints the public sync token, connects, and the header says "Live". A shout
posted over plain HTTP by a signed-in person reaches the page within a second. Leaving the page ends
its listen: the socket closes and the header's connection state goes away.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import wait_booted, wait_js
from tests.identity.conftest import Session, sign_in
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def _in_thread(coro_fn, *args):  # pytest-asyncio's loop runs in this thread
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn(*args)).result()


async def _person(server: LiveServer, email: str) -> Session:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        return await sign_in(http, server.database_url, email)


async def _shout(server: LiveServer, who: Session, text: str) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        posted = await http.post("/api/shouts", json={"text": text, "zone": "agents"}, headers=who.headers)
        assert posted.status_code in (200, 201), posted.text
        return posted.json()["data"]


def test_a_live_event_reaches_an_anonymous_readers_page_and_leaving_ends_the_listen(
        server: LiveServer, page: Page) -> None:
    ada = _in_thread(_person, server, "ada@example.com")
    page.goto(server.url + "/debug?topic=feed:public")
    wait_booted(page)
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)
    expect(page.get_by_role("status", name="Connection")).to_have_text("Live")
    expect(page.get_by_text("No event yet.")).to_be_visible()

    started = time.monotonic()
    shout = _in_thread(_shout, server, ada, "hello, live world")
    expect(page.get_by_text(re.compile("hello, live world"))).to_be_visible(timeout=5_000)
    elapsed = time.monotonic() - started
    expect(page.get_by_text(f"Events: 1 · watermark {shout['seq']} · resets 0")).to_be_visible()
    assert elapsed < 2.0, elapsed  # posting included; the bar for a live event is 1 s
    stats = page.evaluate("() => window.__oa.sync()")
    assert stats["public"]["applied"] == 1 and stats["public"]["connects"] == 1, stats
    assert page.evaluate("() => window.__oaMarker") == "no-reload"

    page.get_by_role("link", name="Home").click()
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'idle'", 10_000)
    assert page.get_by_role("status", name="Connection").count() == 0
    assert page.evaluate("() => window.__oa.sync()")["public"]["topics"] == []


def _live(page: Page) -> None:
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)


def test_a_reload_resumes_from_the_watermark_in_indexeddb_and_applies_nothing_twice(
        server: LiveServer, page: Page) -> None:
    ada = _in_thread(_person, server, "ada@example.com")
    page.goto(server.url + "/debug?topic=feed:public")
    wait_booted(page)
    _live(page)
    _in_thread(_shout, server, ada, "first")
    second = _in_thread(_shout, server, ada, "second")
    expect(page.get_by_text(f"Events: 2 · watermark {second['seq']} · resets 0")).to_be_visible(timeout=5_000)
    wait_js(page, "window.__oa.sync().public.watermarks['feed:public'] > 0", 5_000)
    time.sleep(1.0)  # past the 800 ms write throttle (pagehide flushes too, but a reload may not wait)

    page.reload()
    wait_booted(page)
    _live(page)
    stats = page.evaluate("() => window.__oa.sync()")["public"]
    assert stats["watermarks"] == {"feed:public": second["seq"]}, stats
    assert stats["applied"] == 0, stats  # resumed after "second": nothing replayed
    third = _in_thread(_shout, server, ada, "third")
    expect(page.get_by_text(f"Events: 1 · watermark {third['seq']} · resets 0")).to_be_visible(timeout=5_000)
    assert page.evaluate("() => window.__oa.sync()")["public"]["applied"] == 1
    expect(page.get_by_text(re.compile(r"IndexedDB openagents\.web\.sync: \d+ bytes · durable · resets: none"))) \
        .to_be_visible(timeout=5_000)
    _leave(page)


def _leave(page: Page) -> None:
    """Close the socket before the server stops (a reconnect to a stopped server logs console errors)."""
    page.get_by_role("link", name="Home").click()
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'idle'", 10_000)
