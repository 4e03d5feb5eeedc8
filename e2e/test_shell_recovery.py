"""Recovery drills in Chromium against the real server (issue 19's acceptance):

* a proxy in front of the server answers 429 (``Retry-After``) and 503 on chosen calls: the feed
  shows the countdown, the retries (one shout for all tries of one post: one idempotency key) and
  the error at the field; typed text is never lost; once the proxy stops, everything goes through;
* the granian server is SIGKILLed while live updates flow and restarted on the same port with the
  same database: the page reconnects by itself and shows every shout exactly once;
* the server's retained Khala log is pruned past the watermark the browser stored: the client
  rehydrates from the snapshot, then goes live again with current data;
* IndexedDB holds a later build's schema (a version from the future): the shell resets it, still
  boots and goes live, and the server counts one ``storage_reset`` client telemetry event.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from openagents_server.domains.identity import dev_login
from openagents_server.khala import log as khala_log
from openagents_server.khala.topics import CLASSES
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from e2e.fault_proxy import FaultProxy
from tests.identity.conftest import Session, sign_in
from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

TEST_LOGIN_SECRET = "dev-only-test-login-secret"
#: What Chromium logs for answers and sockets these drills break on purpose.
REFUSED = r"ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_CONNECTION_CLOSED"
INJECTED = r"status of (429|503)"
LIVE_MS = 20_000


def _in_thread(coro_fn: Callable, *args: object) -> object:  # pytest-asyncio's loop runs in this thread
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro_fn(*args)).result()


async def _people(url: str, dsn: str, emails: list[str]) -> list[Session]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        return [await sign_in(http, dsn, email) for email in emails]


def _shouts(url: str) -> list[dict]:
    answer = httpx.get(url + "/api/shouts?limit=100", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["shouts"]


def _post(url: str, who: Session, text: str) -> dict:
    posted = httpx.post(url + "/api/shouts", json={"text": text}, headers=who.headers, timeout=30)
    assert posted.status_code == 201, posted.text
    return posted.json()["data"]


def _probe(page: Page) -> dict:
    return page.evaluate("() => window.__oa.sync()")["public"]


def _live(page: Page, timeout_ms: int = 60_000) -> None:
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", timeout_ms)


def _leave(page: Page) -> None:
    page.get_by_role("link", name="Home").click()
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'idle'", 10_000)


# ---- a: 429 and 5xx from a proxy ------------------------------------------------------------------
@pytest.fixture
def proxied(live_server: Callable[..., LiveServer], bundles: BuiltBundles) -> Iterator[tuple[LiveServer, FaultProxy]]:
    port = free_port()
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root),
                              "OPENAGENTS_PUBLIC_ORIGIN": f"http://127.0.0.1:{port}"})  # the browser's origin
    proxy = FaultProxy(server.port, port).start()
    yield server, proxy
    proxy.stop()


def test_429_and_5xx_from_a_proxy_show_their_states_keep_the_text_and_recover(
        page: Page, proxied: tuple[LiveServer, FaultProxy], guard: Guard) -> None:
    server, proxy = proxied
    guard.allow(INJECTED)
    guard.allow(REFUSED)
    query = dev_login.signed_query(TEST_LOGIN_SECRET, "ada@example.com", name="Ada", redirect="/feed")
    page.goto(f"{proxy.url}/internal/test-login?{query}")
    wait_booted(page)
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")
    expect(page.get_by_text("No shouts yet")).to_be_visible(timeout=60_000)
    box = page.get_by_label("Shout", exact=True)

    # 503 twice, then through: the client's retries are invisible but for the spinner, and all three
    # tries carry one idempotency key, so the server made one shout.
    proxy.inject("POST", "/api/shouts", 503, times=2)
    box.fill("first try")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("status", name="Loading")).to_be_visible(timeout=5_000)  # the 150 ms spinner
    expect(page.get_by_role("article", name="Shout by Ada")).to_contain_text("first try", timeout=LIVE_MS)
    tries = proxy.requests("POST", "/api/shouts")
    assert [t.injected for t in tries] == [503, 503, None], tries
    assert len({t.idempotency_key for t in tries}) == 1 and tries[0].idempotency_key, tries
    assert [s["text"] for s in _shouts(server.url)] == ["first try"]

    # 429 with Retry-After: 2 → the countdown, the text stays, then the same post goes again by itself.
    proxy.inject("POST", "/api/shouts", 429, retry_after=2, times=1)
    box.fill("second try")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text(re.compile(r"Too many posts for now\. Sending again in [12] s\."))).to_be_visible(
        timeout=5_000)
    expect(box).to_have_value("second try")
    expect(page.get_by_role("button", name="Post")).to_be_disabled()
    expect(page.get_by_text("second try", exact=True)).to_be_visible(timeout=LIVE_MS)  # posted, in the list
    expect(page.get_by_text(re.compile("Sending again in"))).to_have_count(0)
    assert [t.injected for t in proxy.requests("POST", "/api/shouts")][3:] == [429, None]

    # 503 on every try: after the retries, the error at the field; the text is still there.
    proxy.inject("POST", "/api/shouts", 503)
    box.fill("third try")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("The service is unavailable. Try again shortly.")).to_be_visible(timeout=LIVE_MS)
    expect(box).to_have_value("third try")
    assert [t.injected for t in proxy.requests("POST", "/api/shouts")][5:] == [503] * 4  # TRIES, then it gave up

    # The proxy stops injecting: the same text posts.
    proxy.clear()
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("third try", exact=True)).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_text("The service is unavailable. Try again shortly.")).to_have_count(0)
    assert sorted(s["text"] for s in _shouts(server.url)) == ["first try", "second try", "third try"]
    assert page.evaluate("() => window.__oaMarker") == "no-reload"
    # The signed-in boot asked /api/me once (the header's person and the social pages' id are one
    # request), and its answer started the nav's unread count.
    assert len(proxy.requests("GET", "/api/me")) == 1, proxy.requests("GET", "/api/me")
    assert proxy.requests("GET", "/api/whispers/conversations")


# ---- b: SIGKILL the server mid-stream -------------------------------------------------------------
class Poster(threading.Thread):
    """Posts shouts (round robin over people: 10 a minute each is the server's limit) until stopped;
    a post the dead server never answered is fine: the server's list is the truth."""

    def __init__(self, url: str, people: list[Session]) -> None:
        super().__init__(daemon=True)
        self.url, self.people = url, people
        self.stop = threading.Event()
        self.ok = 0
        self.failed = 0

    def run(self) -> None:
        n = 0
        with httpx.Client(base_url=self.url, timeout=5) as http:
            while not self.stop.is_set() and self.ok < 8 * len(self.people):
                who = self.people[self.ok % len(self.people)]
                try:
                    answer = http.post("/api/shouts", json={"text": f"stream {n}"}, headers=who.headers)
                    self.ok += answer.status_code == 201
                    self.failed += answer.status_code != 201
                except httpx.HTTPError:
                    self.failed += 1
                n += 1
                time.sleep(0.25)


def test_sigkill_and_restart_mid_stream_reconnects_by_itself_with_no_gap_and_nothing_twice(
        server: LiveServer, page: Page, guard: Guard) -> None:
    guard.allow(REFUSED)
    guard.allow(r"sync/socket' failed")
    people = _in_thread(_people, server.url, server.database_url, [f"p{i}@example.com" for i in range(4)])
    page.goto(server.url + "/debug?topic=feed:public")
    wait_booted(page)
    page.evaluate("() => { window.__oaMarker = 'no-reload'; }")
    _live(page)

    poster = Poster(server.url, people)
    poster.start()
    try:
        wait_js(page, "window.__oa.sync().public.applied >= 3", 30_000)
        server.kill()  # a crash: no close frames, no shutdown
        wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync !== 'live'", 30_000)
        down = poster.ok
        time.sleep(1.0)
        server.start(timeout=60)  # same port, same database
        deadline = time.monotonic() + 60
        while poster.ok < down + 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert poster.ok >= down + 4, (down, poster.ok, poster.failed)
    finally:
        poster.stop.set()
        poster.join(30)

    shouts = _shouts(server.url)
    head = max(s["seq"] for s in shouts)
    _live(page, 60_000)
    expect(page.get_by_text(f"Events: {len(shouts)} · watermark {head} · resets 0")).to_be_visible(timeout=LIVE_MS)
    stats = _probe(page)
    assert stats["applied"] == len(shouts) and stats["watermarks"] == {"feed:public": head}, stats
    assert stats["connects"] >= 2 and stats["rehydrates"] == 0, stats
    assert poster.failed >= 1  # the server was really down while the stream went on
    assert page.evaluate("() => window.__oaMarker") == "no-reload"
    _leave(page)

    # Client telemetry: the reconnects the page recorded reach the (restarted) server's /metrics, each
    # once: whatever the 10 s flush has not sent leaves by beacon when the page goes away.
    recorded = page.evaluate("() => window.__oa.telemetry()")
    reconnects = recorded["recorded"].get("reconnect", 0)
    assert reconnects >= 1, recorded
    # the page-hide beacon, fired in the page so it stays to say it handed everything over (a navigation
    # away lost the beacon in 2 of ~11 runs under load: a browser matter, not the queue's)
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    assert page.evaluate("() => window.__oa.telemetry()")["queued"] == 0
    deadline = time.monotonic() + 20
    while _client_telemetry(server.url, "reconnect") < reconnects and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(0.5)
    assert _client_telemetry(server.url, "reconnect") == reconnects, recorded


def _client_telemetry(url: str, kind: str) -> float:
    text = httpx.get(url + "/metrics", timeout=10).text
    match = re.search(rf'^openagents_client_telemetry_events_total{{kind="{kind}"}} (\S+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


# ---- c: a stale cursor --------------------------------------------------------------------------
async def _prune_past_head(dsn: str, topic: str) -> tuple[int, int]:
    """The retention job, run as if years had passed: every retained event of the topic's class goes."""
    conn = await asyncpg.connect(dsn)
    try:
        klass = await conn.fetchval("SELECT topic_class FROM khala_topics WHERE topic = $1", topic)
        await khala_log.prune_class(conn, CLASSES[klass], now=datetime.now(UTC) + timedelta(days=3650))
        row = await conn.fetchrow("SELECT head_seq, floor_seq FROM khala_topics WHERE topic = $1", topic)
        return row["head_seq"], row["floor_seq"]
    finally:
        await conn.close()


def test_a_stored_watermark_below_the_retention_floor_rehydrates_from_the_snapshot_then_goes_live(
        server: LiveServer, page: Page, guard: Guard) -> None:
    guard.allow(REFUSED)
    ada, bo = _in_thread(_people, server.url, server.database_url, ["ada@example.com", "bo@example.com"])
    page.goto(server.url + "/debug?topic=feed:public")
    wait_booted(page)
    _live(page)
    _post(server.url, ada, "one")
    two = _post(server.url, ada, "two")
    expect(page.get_by_text(f"Events: 2 · watermark {two['seq']} · resets 0")).to_be_visible(timeout=LIVE_MS)
    wait_js(page, f"window.__oa.sync().public.watermarks['feed:public'] === {two['seq']}", 5_000)
    time.sleep(1.0)  # past the 800 ms IndexedDB write throttle
    _leave(page)

    _post(server.url, bo, "three")
    _post(server.url, bo, "four")
    head, floor = _in_thread(_prune_past_head, server.database_url, "feed:public")
    assert floor == head > two["seq"], (head, floor)

    page.goto(server.url + "/debug?topic=feed:public")  # resumes from IndexedDB's watermark: stale now
    wait_booted(page)
    _live(page)
    stats = _probe(page)
    assert stats["rehydrates"] == 1, stats
    expect(page.get_by_text(re.compile(r"Events: 4 · watermark \d+ · resets 1"))).to_be_visible(timeout=LIVE_MS)
    five = _post(server.url, bo, "five")
    expect(page.get_by_text(f"Events: 5 · watermark {five['seq']} · resets 1")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_text(re.compile('"text": "five"'))).to_be_visible()
    stats = _probe(page)
    assert stats["watermarks"] == {"feed:public": five["seq"]} and stats["rehydrates"] == 1, stats
    _leave(page)


# ---- d: IndexedDB from a future version ---------------------------------------------------------
def test_an_indexeddb_from_a_future_version_is_reset_the_shell_boots_and_the_server_counts_it(
        server: LiveServer, page: Page) -> None:
    page.goto(server.url + "/debug?topic=feed:public")
    wait_booted(page)
    _live(page)
    store = r"IndexedDB openagents\.web\.sync: \d+ bytes · durable · resets: "
    expect(page.get_by_text(re.compile(store + "none"))).to_be_visible(timeout=LIVE_MS)
    # a later build's schema (the shell's own connection closes on versionchange and lets it happen)
    found = page.evaluate("""() => new Promise((ok, no) => {
        const r = indexedDB.open('openagents.web.sync', 99);
        r.onsuccess = () => { const v = r.result.version; r.result.close(); ok(v); };
        r.onerror = () => no(String(r.error));
        r.onblocked = () => no('blocked');
    })""")
    assert found == 99
    before = _client_telemetry(server.url, "storage_reset")

    page.goto(server.url + "/debug?topic=feed:public")
    wait_booted(page)
    _live(page)  # the shell still boots and goes live
    expect(page.get_by_text(re.compile(store + "future_version$"))).to_be_visible(timeout=LIVE_MS)
    recorded = page.evaluate("() => window.__oa.telemetry()")
    assert recorded["recorded"].get("storage_reset") == 1, recorded
    # the page-hide beacon: a pagehide event here, so the page stays to say it handed everything over
    # (a 10 s flush may have taken them a moment before: then that request carries them)
    page.evaluate("() => window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    handed = page.evaluate("() => window.__oa.telemetry()")
    assert handed["queued"] == 0, handed
    deadline = time.monotonic() + 20
    while _client_telemetry(server.url, "storage_reset") < before + 1 and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(0.5)
    assert _client_telemetry(server.url, "storage_reset") == before + 1, handed
