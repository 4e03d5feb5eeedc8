"""The chat in Chromium against the real server and a real ``openagents worker run --adapter demo`` process.

Sign in, send a message on ``/``: a thread starts on the running worker, the page goes to
``/chat/{thread}`` and the reply streams in (several visible updates) and completes. A reload in the
middle of a reply resumes it with every word once. Back/forward between two threads needs no reload.
Stop interrupts a turn; stopping the worker mid-turn shows an error; started again, the next turn
works. ``/workers`` shows the worker.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import DEMO_WORKER_ID, Guard, wait_booted, wait_js
from tests.identity.conftest import pending_code
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

EMAIL = "ada@example.com"
WORKER_ID = DEMO_WORKER_ID


def reply(text: str, turn: int) -> str:
    """What the demo adapter answers (adapters.DemoAdapter), whitespace-normalised."""
    body = (f"(demo) You said: {text}\n\nThis is the demo worker: it answers every message the same "
            f"way, so you can try the chat without a model. Turn {turn}.")
    return " ".join(body.split())


def run(coro: object) -> object:
    with ThreadPoolExecutor(1) as pool:  # pytest-asyncio's loop runs in this thread
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


async def api_token(server: LiveServer, email: str) -> str:
    """A PAT for the worker (runtime:write + sync:token), through the public API."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        sent = await http.post("/api/auth/email", json={"email": email})
        code = await pending_code(server.database_url, email)
        verified = await http.post("/api/auth/verify", json={"email": email, "code": code, "device_id": "worker-box",
                                                             "challenge_id": sent.json()["data"]["challenge_id"]})
        access = verified.json()["data"]["session"]["access_token"]
        pat = await http.post("/api/tokens", json={"name": "worker", "abilities": ["runtime:write", "sync:token"]},
                              headers={"authorization": f"Bearer {access}"})
        assert pat.status_code == 201, pat.text
        return pat.json()["data"]["token"]




def sign_in(page: Page, server: LiveServer, next_path: str = "/") -> None:
    page.goto(f"{server.url}/login?next={next_path}")
    wait_booted(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code")).to_be_visible(timeout=30_000)
    page.get_by_label("Code").fill(str(run(pending_code(server.database_url, EMAIL))))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"), timeout=30_000)


def assistant_text(page: Page, index: int) -> str:
    """The text of message ``index`` of the transcript, as the accessible mirror has it."""
    return str(page.evaluate("""(i) => { const m = document.getElementById('chat-text-' + i);
        return m ? m.innerText : ''; }""", index))


def location(page: Page) -> str:
    """The document's path (Playwright's ``page.url`` can lag behind ``pushState`` after a reload)."""
    return str(page.evaluate("() => location.pathname"))


def words(text: str) -> str:
    return " ".join(text.split())


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_chat_streams_resumes_after_reload_and_navigates_between_threads(
        page: Page, server: LiveServer, guard: Guard, start_worker: Callable[[str], subprocess.Popen[bytes]]) -> None:
    token = run(api_token(server, EMAIL))
    start_worker(str(token))
    sign_in(page, server, "/")
    expect(page.get_by_text(re.compile(f"starts a new thread on worker {WORKER_ID}"))).to_be_visible(timeout=60_000)
    page.evaluate("() => { window.__oaMarker = 'same-document'; }")

    page.get_by_label("Message").fill("hello there")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/chat/[^/]+$"), timeout=30_000)
    first_thread = location(page)
    # The reply streams: the assistant message (index 1) changes several times before it completes.
    seen: list[str] = []

    def streamed() -> bool:
        text = words(assistant_text(page, 1))
        if text and (not seen or seen[-1] != text):
            seen.append(text)
        return len(seen) >= 3

    wait_for(streamed, 30, "several visible updates of the reply")
    assert all(reply("hello there", 1).startswith(s) for s in seen), seen
    expect(page.get_by_text("writing…")).to_have_count(0, timeout=30_000)
    assert words(assistant_text(page, 1)) == reply("hello there", 1)
    assert page.evaluate("() => window.__oaMarker") == "same-document"
    # The user channel carries the thread's worker topic (beside the app-wide notifications topic).
    assert any(t.startswith("worker:") for t in page.evaluate("() => window.__oa.sync().user.topics"))

    # A reload in the middle of the second reply: the transcript resumes, every word once.
    page.get_by_label("Message").fill("second message")
    page.get_by_role("button", name="Send").click()
    wait_for(lambda: len(words(assistant_text(page, 3))) > 10, 30, "the second reply to start")
    partial = words(assistant_text(page, 3))
    assert partial != reply("second message", 2)
    page.reload()
    wait_booted(page)
    expect(page.get_by_label("Message")).to_be_visible(timeout=60_000)
    wait_for(lambda: words(assistant_text(page, 3)) == reply("second message", 2), 30, "the resumed reply")
    # the rest of the reply came over Khala, resumed after the snapshot's worker seq (the snapshot poll is
    # only a fallback after 10 s without live events)
    wait_js(page, "window.__oa.sync && window.__oa.sync().user.phase === 'live'", 60_000)
    assert words(assistant_text(page, 1)) == reply("hello there", 1)

    # The next reply streams over Khala (events applied by the sync runtime, not read by the fallback poll).
    before = page.evaluate("() => window.__oa.sync().user.applied")
    page.get_by_label("Message").fill("third message")
    page.get_by_role("button", name="Send").click()
    wait_for(lambda: words(assistant_text(page, 5)) == reply("third message", 3), 30, "the third reply")
    assert page.evaluate("() => window.__oa.sync().user.applied") > before + 10

    # An unsent draft survives a reload.
    page.get_by_label("Message").fill("a draft to keep")
    page.reload()
    wait_booted(page)
    expect(page.get_by_label("Message")).to_have_value("a draft to keep", timeout=60_000)
    page.get_by_label("Message").fill("")

    # A second thread, then back and forward between the two without a document reload.
    page.evaluate("() => { window.__oaMarker = 'same-document'; }")
    page.get_by_role("link", name="New chat").click()
    expect(page.get_by_text(re.compile(f"starts a new thread on worker {WORKER_ID}"))).to_be_visible(timeout=30_000)
    page.get_by_label("Message").fill("another thread")
    page.get_by_role("button", name="Send").click()
    wait_for(lambda: location(page) != first_thread and "/chat/" in location(page), 30, "the second thread")
    wait_for(lambda: words(assistant_text(page, 1)) == reply("another thread", 1), 30, "the reply in thread 2")
    page.go_back()
    wait_for(lambda: location(page) == "/", 10, "back on /")
    page.go_back()
    wait_for(lambda: location(page) == first_thread, 10, "back on the first thread")
    wait_for(lambda: words(assistant_text(page, 3)) == reply("second message", 2), 30, "thread 1 again")
    page.go_forward()
    page.go_forward()
    wait_for(lambda: words(assistant_text(page, 1)) == reply("another thread", 1), 30, "thread 2 again")
    assert page.evaluate("() => window.__oaMarker") == "same-document"

    # /workers shows the worker, running, with its heartbeat.
    page.get_by_role("link", name="Workers").first.click()
    expect(page.get_by_text(WORKER_ID)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"heartbeat \d+ s ago"))).to_be_visible()
    page.goto("about:blank")  # the page polls; leave it before the server stops


def test_stop_interrupts_a_turn_and_a_stopped_worker_shows_an_error_until_it_runs_again(
        page: Page, server: LiveServer, guard: Guard, start_worker: Callable[[str], subprocess.Popen[bytes]]) -> None:
    guard.allow(r"status of 409")  # a send while the worker is stopped is refused (worker_not_running)
    token = str(run(api_token(server, EMAIL)))
    proc = start_worker(token)
    sign_in(page, server, "/")
    expect(page.get_by_text(re.compile(f"starts a new thread on worker {WORKER_ID}"))).to_be_visible(timeout=60_000)
    page.get_by_label("Message").fill("please stop me")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/chat/[^/]+$"), timeout=30_000)
    wait_for(lambda: len(words(assistant_text(page, 1))) > 3, 30, "the reply to start")
    page.get_by_role("button", name="Stop").click()
    expect(page.locator("#chat-msg-1").get_by_text("stopped")).to_be_visible(timeout=30_000)
    assert len(words(assistant_text(page, 1))) < len(reply("please stop me", 1))

    # The worker is stopped in the middle of a turn (its owner, from another device): a clear error.
    page.get_by_label("Message").fill("a long answer please")
    page.get_by_role("button", name="Send").click()
    wait_for(lambda: len(words(assistant_text(page, 3))) > 3, 30, "the next reply to start")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        stopped = http.post(f"/api/runtime/codex/workers/{WORKER_ID}/stop", json={},
                            headers={"authorization": f"Bearer {token}"})
        assert stopped.status_code == 200, stopped.text
    expect(page.get_by_text(re.compile("did not finish: the worker stopped"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile("The worker is (stopping|stopped)"))).to_be_visible(timeout=30_000)
    assert proc.wait(30) == 0
    page.get_by_label("Message").fill("are you there?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#chat-notice")).to_contain_text("start it", timeout=30_000)

    # Started again (the same worker id registers again): the next turn works.
    start_worker(token)
    page.reload()
    wait_booted(page)
    # The thread has loaded (its earlier turns are shown) before "not running" is looked for: before it
    # loads the page says nothing about the worker, and a send then would race the worker's registration.
    expect(page.locator("#chat-msg-3")).to_be_visible(timeout=60_000)
    wait_for(lambda: "not running" not in str(page.evaluate("() => document.body.innerText")), 60, "the worker back")
    page.get_by_label("Message").fill("are you there?")
    page.get_by_role("button", name="Send").click()
    wait_for(lambda: words(assistant_text(page, 5)) == reply("are you there?", 1), 60, "a reply after the restart")
    page.goto("about:blank")
