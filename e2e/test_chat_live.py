"""The rest of issue 20's chat in Chromium, against the real server and real ``openagents worker run`` processes.

* "Jump to latest": at the end, the transcript follows a streaming reply; scrolled up, it stays where
  the person is and "Jump to latest (N new)" counts what arrives; pressed, the transcript is at its end
  and follows again.
* The Codex access policy: a signed-in person without a linked worker sees how to link one (no
  composer); once their worker registers, the page continues on its own.
* Drafts per person: one person's draft never shows for another on the same browser; sign-out
  deletes the person's drafts.
* ``/admin/runtime`` live: a worker changes state and the admin page shows it within 2 s, with no
  re-read of the overview; stop with confirmation.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest
from openagents_server.domains.identity.dev_login import signed_query
from openagents_server.settings import Settings
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_WORKER_ID, BuiltBundles, Guard, wait_booted, wait_js
from e2e.test_chat import api_token, assistant_text, run, wait_for, words
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

ADA, BEN, ADMIN = "ada@example.com", "ben@example.com", "root@example.com"
WORKER_ID = DEMO_WORKER_ID
TRANSCRIPT = "#chat-transcript"


@pytest.fixture
def server(live_server: Callable[..., LiveServer], bundles: BuiltBundles) -> LiveServer:
    return live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_SHELL_UPDATE_CHECK_SECONDS": "1",
                            "OPENAGENTS_ADMIN_EMAILS": ADMIN})




def sign_in_as(page: Page, server: LiveServer, email: str, redirect: str) -> None:
    page.goto(f"{server.url}/internal/test-login?{signed_query(Settings().test_login_secret, email, redirect=redirect)}")
    expect(page).to_have_url(re.compile(re.escape(redirect) + "$"), timeout=60_000)
    wait_booted(page)


def scroll(page: Page) -> dict[str, float]:
    return page.evaluate(f"""() => {{ const t = document.querySelector('{TRANSCRIPT}');
        return {{top: t.scrollTop, end: t.scrollHeight - t.clientHeight}}; }}""")


def at_end(page: Page) -> bool:
    s = scroll(page)
    return s["end"] > 0 and s["end"] - s["top"] < 30


def worker_running(token: str, server: LiveServer) -> bool:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        got = http.get(f"/api/runtime/codex/workers/{WORKER_ID}", headers={"authorization": f"Bearer {token}"})
    return got.status_code == 200 and got.json()["data"]["status"] == "running"


def test_the_transcript_follows_the_stream_at_its_end_and_jump_to_latest_when_scrolled_up(
        page: Page, server: LiveServer, guard: Guard,
        start_worker: Callable[[str, str], subprocess.Popen[bytes]]) -> None:
    token = str(run(api_token(server, ADA)))
    start_worker(token, "0.1")
    wait_for(lambda: worker_running(token, server), 60, "the worker")
    sign_in_as(page, server, ADA, "/")
    expect(page.get_by_text(re.compile(f"starts a new thread on worker {WORKER_ID}"))).to_be_visible(timeout=60_000)
    # A long message: the transcript overflows at once and the echoed reply streams for ~20 s.
    message = "\n".join(f"Line {i} of a long message." for i in range(30))
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/chat/[^/]+$"), timeout=30_000)
    wait_for(lambda: len(words(assistant_text(page, 1))) > 5, 30, "the reply to start")

    # At the end: it follows the stream (the end moves, the transcript stays at it).
    first_end = scroll(page)["end"]
    wait_for(lambda: scroll(page)["end"] > first_end + 20 and at_end(page), 20, "the transcript following")
    assert at_end(page)

    # The person scrolls up (the mouse wheel over the transcript): it stays there, the button counts.
    page.locator(TRANSCRIPT).hover()
    page.mouse.wheel(0, -5000)
    wait_for(lambda: scroll(page)["top"] < 5, 10, "scrolled to the top")
    jump = page.get_by_role("button", name=re.compile(r"Jump to latest \(\d+ new\)"))
    expect(jump).to_be_visible(timeout=10_000)

    def count() -> int:
        return int(re.search(r"\((\d+) new\)", jump.inner_text()).group(1))  # type: ignore[union-attr]

    seen = count()
    wait_for(lambda: count() >= seen + 3, 10, "more updates counted")
    assert scroll(page)["top"] < 5, "new updates pulled the person down"
    assert "writing…" in page.evaluate("() => document.body.innerText")  # still streaming

    jump.click()
    wait_for(lambda: at_end(page), 5, "at the end after Jump to latest")
    expect(jump).to_have_count(0)
    end_after_jump = scroll(page)["end"]
    wait_for(lambda: scroll(page)["end"] > end_after_jump + 10 and at_end(page), 20, "following again")
    expect(page.get_by_text("writing…")).to_have_count(0, timeout=60_000)
    assert at_end(page)
    page.goto("about:blank")


def test_access_policy_and_drafts_per_person_on_one_browser(
        page: Page, server: LiveServer, guard: Guard,
        start_worker: Callable[[str, str], subprocess.Popen[bytes]]) -> None:
    # Ben's session ends without a sign-out below (cookies cleared): his open page's next request is a 401.
    guard.allow(r"status of 401")
    ada_token = str(run(api_token(server, ADA)))
    start_worker(ada_token, "0.05")
    ben_token = str(run(api_token(server, BEN)))

    # Ben has no linked worker: the page explains how to link one; there is no composer to fail.
    sign_in_as(page, server, BEN, "/")
    expect(page.get_by_text("Link a Codex worker to chat")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile("openagents worker run --token"))).to_be_visible()
    expect(page.get_by_label("Message")).to_have_count(0)
    # His worker registers (from his machine): the page continues on its own, no reload.
    page.evaluate("() => { window.__oaMarker = 'same-document'; }")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        created = http.post("/api/runtime/codex/workers", json={"worker_id": "ben-box", "adapter": "demo"},
                            headers={"authorization": f"Bearer {ben_token}"})
        assert created.status_code == 201, created.text
    expect(page.get_by_label("Message")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Link a Codex worker to chat")).to_have_count(0)
    assert page.evaluate("() => window.__oaMarker") == "same-document"

    # Ben types a draft; his session then ends without a sign-out (cookies gone, like an expiry).
    page.get_by_label("Message").fill("Ben's private draft")
    wait_for(lambda: page.evaluate("() => Object.keys(localStorage).some(k => k.startsWith('oa.drafts:'))"), 10,
             "the draft kept")
    page.context.clear_cookies()
    # Ada signs in on the same browser: her composer does not show Ben's draft (it is kept under his id).
    sign_in_as(page, server, ADA, "/")
    expect(page.get_by_text(re.compile(f"starts a new thread on worker {WORKER_ID}"))).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Message")).to_have_value("")
    page.get_by_label("Message").fill("Ada's own draft")
    page.reload()
    wait_booted(page)
    expect(page.get_by_label("Message")).to_have_value("Ada's own draft", timeout=60_000)
    keys = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('oa.drafts:'))")
    assert len(keys) == 2, keys  # one per person

    # Ada signs out: her drafts leave the browser (Ben's stays until he signs out).
    page.get_by_role("button", name=ADA).click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"), timeout=30_000)
    left = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('oa.drafts:'))"
                         ".map(k => localStorage.getItem(k))")
    assert left == ["Ben's private draft"], left
    page.goto("about:blank")


def test_the_admin_page_shows_a_worker_change_within_two_seconds_without_a_reread_and_stops_with_confirmation(
        page: Page, server: LiveServer, guard: Guard,
        start_worker: Callable[[str, str], subprocess.Popen[bytes]]) -> None:
    token = str(run(api_token(server, ADA)))
    start_worker(token, "0.05")
    wait_for(lambda: worker_running(token, server), 60, "the worker")
    overview_reads: list[float] = []
    page.on("request", lambda r: overview_reads.append(time.monotonic()) if r.url.endswith("/api/admin/runtime")
            else None)
    sign_in_as(page, server, ADMIN, "/admin/runtime")
    row = page.get_by_role("listitem", name=re.compile(f"Worker {WORKER_ID}: running"))
    expect(row).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Live: changes show as they happen.")).to_be_visible()
    # ``__oa.sync`` appears once the deferred packages have loaded and the sync runtime has started
    wait_js(page, "window.__oa.sync && window.__oa.sync().user.topics.includes('admin:runtime')"
                  " && window.__oa.sync().user.phase === 'live'", 30_000)
    reads_before = len(overview_reads)

    # The owner stops the worker from elsewhere: the admin page shows it within 2 s, from Khala.
    with httpx.Client(base_url=server.url, timeout=30) as http:
        started = time.monotonic()
        stopped = http.post(f"/api/runtime/codex/workers/{WORKER_ID}/stop", json={},
                            headers={"authorization": f"Bearer {token}"})
        assert stopped.status_code == 200, stopped.text
    expect(page.get_by_role("listitem", name=re.compile(f"Worker {WORKER_ID}: (stopping|stopped)"))).to_be_visible(
        timeout=2_000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed
    expect(page.get_by_role("table", name="Event stream")).to_contain_text("stopp")
    assert len(overview_reads) == reads_before, "the page re-read the overview instead of following Khala"

    # Started again: the admin page follows; then the admin stops it, with confirmation.
    start_worker(token, "0.05")
    expect(page.get_by_role("listitem", name=re.compile(f"Worker {WORKER_ID}: running"))).to_be_visible(
        timeout=30_000)
    page.get_by_role("listitem", name=re.compile(f"Worker {WORKER_ID}")).get_by_role("button", name="Stop").click()
    expect(page.get_by_text("Stop this worker?")).to_be_visible()
    page.get_by_role("button", name="Stop worker").click()
    expect(page.get_by_role("listitem", name=re.compile(f"Worker {WORKER_ID}: stopped"))).to_be_visible(
        timeout=10_000)
    assert len(overview_reads) == reads_before
    page.goto("about:blank")
