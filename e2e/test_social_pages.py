"""``/feed``, the whispers pages and ``/settings/integrations`` in Chromium against the real server.

People sign in through ``/internal/test-login`` (the local provider's signed test link); data the
page should find already there is posted through the API with the same cookie session.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from openagents_server.domains.identity import dev_login
from playwright.sync_api import BrowserContext, Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from tests.identity.conftest import sign_in as api_sign_in
from tests.integrations.fakes import FULL_KEY, WEBHOOK_SECRET, FakeResend
from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

TEST_LOGIN_SECRET = "dev-only-test-login-secret"
#: The server stops before the page does; the live socket's reconnect attempts then fail (teardown only).
GONE = r"sync/socket' failed: .*ERR_CONNECTION_REFUSED"
LIVE_MS = 15_000  # the e2e budget for "it appears with no reload" on a loaded machine (the API test checks 1 s)


def sign_in(page: Page, server: LiveServer, email: str, name: str, redirect: str) -> None:
    query = dev_login.signed_query(TEST_LOGIN_SECRET, email, name=name, redirect=redirect)
    page.goto(f"{server.url}/internal/test-login?{query}")
    wait_booted(page)


def api(page: Page, method: str, path: str, body: dict | None = None) -> dict:
    """A request with the page's cookie session and CSRF header (as the shell sends it)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"].endswith("oa_csrf"))
    origin = re.match(r"^https?://[^/]+", page.url)[0]
    response = page.request.fetch(origin + path, method=method, data=body,
                                  headers={"x-csrf-token": csrf, "content-type": "application/json"})
    assert response.ok, (path, response.status, response.text())
    return response.json()["data"]


def seed_shouts(server: LiveServer, posts: dict[str, list[dict]]) -> None:
    """Each person (email) signs in through the API and posts their shouts, in order."""

    async def run() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            for email, shouts in posts.items():
                person = await api_sign_in(http, server.database_url, email)
                for body in shouts:
                    posted = await http.post("/api/shouts", json=body, headers=person.headers)
                    assert posted.status_code == 201, posted.text

    with ThreadPoolExecutor(1) as pool:  # pytest-asyncio's loop runs in this thread
        pool.submit(asyncio.run, run()).result()


def test_an_anonymous_reader_pages_the_feed_filters_a_zone_and_sees_links_as_links(
        page: Page, context: BrowserContext, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    seed_shouts(server, {
        "ada@example.com": [{"text": "the oldest shout"},
                            {"text": "see https://example.com/docs and <b>not bold</b>", "zone": "agents"},
                            *({"text": f"filler {i}"} for i in range(8))],
        **{f"p{n}@example.com": [{"text": f"more {n}.{i}"} for i in range(8)] for n in range(3)},
    })

    page.goto(server.url + "/feed")
    wait_booted(page)
    expect(page.get_by_text("more 2.7")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("the oldest shout")).to_have_count(0)  # 34 shouts: the first page holds 30
    # The feed's own invitation to sign in (the header has its own "Sign in" link too).
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Load more").click()
    expect(page.get_by_text("the oldest shout")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("That's everything.")).to_be_visible()

    docs = page.get_by_role("link", name="https://example.com/docs")
    expect(docs).to_have_attribute("href", "https://example.com/docs")
    expect(page.get_by_text("<b>not")).to_be_visible()  # HTML is shown as the text it is
    expect(page.locator("#oa-app b")).to_have_count(0)

    page.get_by_role("tab", name=re.compile(r"^Agents")).click()
    expect(page).to_have_url(re.compile(r"/feed\?zone=agents$"))
    expect(page.get_by_text("the oldest shout")).to_have_count(0, timeout=30_000)
    expect(page.get_by_role("link", name="https://example.com/docs")).to_be_visible()


def test_a_shout_posted_in_one_browser_appears_live_in_anothers_feed(
        browser, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    a_ctx, b_ctx = browser.new_context(), browser.new_context()
    guard.attach(a_ctx)
    guard.attach(b_ctx)
    try:
        a, b = a_ctx.new_page(), b_ctx.new_page()
        b.goto(server.url + "/feed")  # B reads anonymously
        wait_booted(b)
        b.evaluate("() => { window.__oaMarker = 'no-reload'; }")
        expect(b.get_by_text("No shouts yet")).to_be_visible(timeout=60_000)
        wait_js(b, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)

        sign_in(a, server, "ada@example.com", "Ada", "/feed")
        a.get_by_label("Shout", exact=True).fill("live from A https://example.com/live")
        started = time.monotonic()
        a.get_by_role("button", name="Post").click()
        expect(b.get_by_role("article", name="Shout by Ada")).to_contain_text("live from A", timeout=LIVE_MS)
        elapsed = time.monotonic() - started
        expect(b.get_by_role("link", name="https://example.com/live")).to_be_visible()
        assert b.evaluate("() => window.__oaMarker") == "no-reload"
        assert elapsed < 2.0, elapsed  # click → drawn in the other browser; the API test holds the 1 s bar
    finally:
        a_ctx.close()
        b_ctx.close()


def test_the_composer_counts_posts_and_shows_the_wait_when_rate_limited(
        page: Page, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    guard.allow(r"status of 429")
    sign_in(page, server, "grace@example.com", "Grace", "/feed")
    expect(page).to_have_url(re.compile(r"/feed$"))
    draft = page.get_by_label("Shout", exact=True)
    expect(draft).to_be_visible(timeout=60_000)
    draft.fill("x" * 501)
    expect(page.get_by_text("1 characters too many")).to_be_visible()
    expect(page.get_by_role("button", name="Post")).to_be_disabled()

    draft.fill("hello from the browser https://example.org/x")
    expect(page.get_by_text("456 characters left")).to_be_visible()
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("article", name="Shout by Grace")).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("link", name="https://example.org/x")).to_be_visible()
    expect(draft).to_have_value("")

    for i in range(9):  # the rest of this minute's 10
        api(page, "POST", "/api/shouts", {"text": f"burst {i}"})
    draft.fill("one too many")
    page.get_by_role("button", name="Post").click()
    # a countdown from Retry-After, then the same post again by itself (adr/0504)
    expect(page.get_by_text(re.compile(r"Too many posts for now\. Sending again in \d+ s\."))).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("button", name="Post")).to_be_disabled()
    expect(draft).to_have_value("one too many")  # nothing lost


def test_a_whisper_is_sent_read_and_its_unread_count_goes_down(
        browser, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    a_ctx, b_ctx = browser.new_context(), browser.new_context()
    guard.attach(a_ctx)
    guard.attach(b_ctx)
    try:
        a, b = a_ctx.new_page(), b_ctx.new_page()
        sign_in(b, server, "bo@example.com", "Bo", "/account/whispers")
        bo_id = api(b, "GET", "/api/me")["user"]["id"]
        expect(b.get_by_text("All read")).to_be_visible(timeout=60_000)

        sign_in(a, server, "ada@example.com", "Ada", f"/account/whispers/{bo_id}")
        a.get_by_label("Whisper", exact=True).fill("psst, Bo")
        a.get_by_role("button", name="Send").click()
        expect(a.get_by_role("article", name="Whisper from you")).to_contain_text("psst, Bo", timeout=30_000)
        expect(a.get_by_role("article", name="Whisper from you")).to_contain_text("sent")

        # B, on the conversations page already: the unread count moves with no reload
        expect(b.get_by_text("1 unread", exact=True)).to_be_visible(timeout=LIVE_MS)
        expect(b.get_by_role("link", name="Whispers (1 unread)")).to_be_visible()
        b.get_by_role("link", name="Ada").click()
        expect(b.get_by_role("article", name="Whisper from Ada")).to_contain_text("psst, Bo", timeout=30_000)
        expect(b.get_by_text("All read")).to_be_visible(timeout=30_000)  # opening the thread read it

        # A sees it read, with no reload
        expect(a.get_by_role("article", name="Whisper from you")).to_contain_text("read", timeout=LIVE_MS)
    finally:
        a_ctx.close()
        b_ctx.close()


@pytest.fixture
def fake_resend() -> Iterator[FakeResend]:
    fake = FakeResend().start()
    fake.auto_events = ("email.sent",)  # the test delivers it
    yield fake  # type: ignore[misc]
    fake.stop()


@pytest.fixture
def resend_server(live_server: Callable[..., LiveServer], bundles: BuiltBundles, fake_resend: FakeResend) -> LiveServer:
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_RESEND_API_URL": fake_resend.url,
                              "OPENAGENTS_RESEND_WEBHOOK_SECRETS": WEBHOOK_SECRET})
    fake_resend.webhook_url = server.url + "/api/webhooks/resend"
    return server


def test_integrations_connect_resend_send_a_test_and_see_it_delivered_live_then_disconnect(
        page: Page, resend_server: LiveServer, fake_resend: FakeResend, guard: Guard) -> None:
    guard.allow(GONE)
    guard.allow(r"status of 422")
    sign_in(page, resend_server, "ada@example.com", "Ada", "/settings/integrations")
    key = page.get_by_label("Resend API key")
    expect(key).to_be_visible(timeout=60_000)
    key.fill("re_not_a_real_key_0000")
    page.get_by_role("button", name="Connect Resend").click()
    expect(page.get_by_text(re.compile("invalid|refused|not accepted", re.IGNORECASE)).first).to_be_visible(
        timeout=30_000)
    key.fill(FULL_KEY)
    page.get_by_role("button", name="Connect Resend").click()
    expect(page.get_by_text("Resend is connected.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"key re_…abcd"))).to_be_visible()
    assert FULL_KEY not in page.content()

    page.get_by_label(re.compile("Send a test email to")).fill("grace@example.com")
    page.get_by_role("button", name="Send test email").click()
    expect(page.get_by_text("Test email sent to grace@example.com.")).to_be_visible(timeout=30_000)
    message_id = fake_resend.sent[-1]["id"]
    expect(page.get_by_role("cell", name=message_id)).to_be_visible()

    fake_resend.fire("email.delivered", message_id)  # Resend's signed webhook
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=message_id))
    expect(row.get_by_role("cell", name="delivered")).to_be_visible(timeout=LIVE_MS)

    page.get_by_role("button", name="Disconnect").click()
    page.get_by_role("button", name="Disconnect Resend").click()
    expect(page.get_by_text("Resend is disconnected.")).to_be_visible(timeout=30_000)
    expect(page.get_by_label("Resend API key")).to_be_visible()


def test_a_reader_reports_a_shout_and_blocks_its_author_whose_live_shouts_then_stay_away_until_undo(
        page: Page, server: LiveServer, guard: Guard) -> None:
    guard.allow(GONE)
    seed_shouts(server, {"ada@example.com": [{"text": "ada was here"}], "cy@example.com": [{"text": "cy was here"}]})
    sign_in(page, server, "bo@example.com", "Bo", "/feed")
    # API-made people have no name (they show as "member-…"): their shouts are found by their text.
    cy = page.get_by_role("article").filter(has_text="cy was here")
    ada = page.get_by_role("article").filter(has_text="ada was here")
    expect(cy).to_contain_text("cy was here", timeout=60_000)
    wait_js(page, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)

    ada.get_by_role("button", name="Report").click()
    dialog = page.get_by_role("dialog", name="Report this shout?")
    expect(dialog.get_by_role("button", name="Report")).to_be_focused()  # focus moved into the question
    page.keyboard.press("Escape")  # Escape is Cancel: nothing sent
    expect(dialog).to_have_count(0)
    expect(ada.get_by_role("button", name="Report")).to_be_focused()  # and focus is back where it was
    ada.get_by_role("button", name="Report").click()
    dialog.get_by_role("button", name="Report").click()
    expect(ada.get_by_text("Reported", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Reported. A moderator will look at it.")).to_be_visible()

    cy.get_by_role("button", name="Block").click()
    page.get_by_role("dialog", name=re.compile(r"^Block member-")).get_by_role("button", name="Block").click()
    expect(page.get_by_text(re.compile(r"^Blocked member-"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("cy was here")).to_have_count(0)
    # Live: cy posts, then ada does. ada's shout arriving proves cy's was delivered first, and not shown.
    seed_shouts(server, {"cy@example.com": [{"text": "cy, live"}], "ada@example.com": [{"text": "ada, live"}]})
    expect(page.get_by_text("ada, live")).to_be_visible(timeout=LIVE_MS)
    expect(page.get_by_text("cy, live")).to_have_count(0)

    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text(re.compile(r"^Unblocked member-"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("cy, live")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("cy was here")).to_be_visible()

    # Blocked again, the block is reviewed and lifted later from /account/blocked (reached in-app).
    cy.get_by_role("button", name="Block").click()
    page.get_by_role("dialog", name=re.compile(r"^Block member-")).get_by_role("button", name="Block").click()
    expect(page.get_by_text("cy was here")).to_have_count(0, timeout=30_000)
    page.get_by_role("link", name="Blocked people").click()
    listed = page.get_by_role("region", name="People you blocked")
    expect(listed.get_by_text(re.compile(r"^member-"))).to_have_count(1, timeout=30_000)
    expect(listed.get_by_text(re.compile(r"^Blocked since \d{4}-\d{2}-\d{2}$"))).to_be_visible()
    listed.get_by_role("button", name="Unblock").click()
    expect(page.get_by_text(re.compile(r"^Unblocked member-"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text("You have not blocked anyone")).to_be_visible()
    page.go_back()
    expect(page.get_by_text("cy was here")).to_be_visible(timeout=30_000)  # the feed asks for its blocks again


def report_shout(server: LiveServer, email: str, text: str, reason: str) -> None:
    """``email`` reports the shout whose text is ``text`` through the API (as /feed's Report does)."""

    async def run() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            person = await api_sign_in(http, server.database_url, email)
            shouts = (await http.get("/api/shouts")).json()["data"]["shouts"]
            shout_id = next(s["id"] for s in shouts if s["text"] == text)
            reported = await http.post(f"/api/shouts/{shout_id}/report", json={"reason": reason},
                                       headers=person.headers)
            assert reported.status_code == 201, reported.text

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_an_admin_hides_a_reported_shout_from_the_queue_and_it_leaves_an_open_feed_live(
        browser, live_server: Callable[..., LiveServer], bundles: BuiltBundles, guard: Guard) -> None:
    guard.allow(GONE)
    moderator = "mod@example.com"
    server = live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_ADMIN_EMAILS": moderator})
    seed_shouts(server, {"cy@example.com": [{"text": "buy cheap pills"}], "ada@example.com": [{"text": "a fine shout"}]})
    report_shout(server, "bo@example.com", "buy cheap pills", reason="spam")
    reader_ctx, admin_ctx = browser.new_context(), browser.new_context()
    guard.attach(reader_ctx)
    guard.attach(admin_ctx)
    try:
        reader, admin = reader_ctx.new_page(), admin_ctx.new_page()
        reader.goto(server.url + "/feed")  # an anonymous reader with the feed open
        wait_booted(reader)
        expect(reader.get_by_text("buy cheap pills")).to_be_visible(timeout=60_000)
        wait_js(reader, "document.querySelector('#oa-app [data-ready]').dataset.sync === 'live'", 60_000)

        sign_in(admin, server, moderator, "Mod", "/admin/reports")
        report = admin.get_by_role("article", name=re.compile(r"^Report of a shout by member-"))
        expect(report).to_contain_text("buy cheap pills", timeout=60_000)
        expect(report).to_contain_text("Reason: spam")
        expect(admin.get_by_role("tab", name="Open (1)")).to_be_visible()
        report.get_by_role("button", name="Hide shout").click()
        dialog = admin.get_by_role("dialog", name=re.compile(r"^Hide this shout by member-"))
        dialog.get_by_label("Note (optional)").fill("pills spam")
        dialog.get_by_role("button", name="Hide shout").click()
        expect(admin.get_by_text(re.compile(r"^Hid the shout by member-"))).to_be_visible(timeout=30_000)
        expect(admin.get_by_text("Nothing to review")).to_be_visible()

        expect(reader.get_by_text("buy cheap pills")).to_have_count(0, timeout=LIVE_MS)  # gone with no reload
        expect(reader.get_by_text("a fine shout")).to_be_visible()

        admin.get_by_role("tab", name="Resolved").click()
        expect(admin.get_by_text("Shout hidden: pills spam")).to_be_visible(timeout=30_000)
    finally:
        reader_ctx.close()
        admin_ctx.close()
