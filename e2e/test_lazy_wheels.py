"""Page-level wheels in Chromium (ADR 0308): booting requests neither Pygments nor segno (not the page,
not the service worker's precache); a chat reply with a code block requests the Pygments wheel once
and the block becomes highlighted; the /l402 transaction page requests segno once and draws the
invoice's QR code, whose drawn pixels are exactly segno's matrix for the invoice (computed here)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import segno
from openagents_proto.bundle_manifest import decode_manifest
from openagents_server.domains.identity import dev_login
from openagents_shell.ui.qr import invoice_payload, qr_matrix
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from e2e.test_chat import EMAIL, api_token, run, sign_in, wait_for
from e2e.test_l402_pages import ADMIN, _agent_pays
from tests.support.bundles import BuiltBundles
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

CODE = "def greet(name):\n    return 'hi ' + name"
HIGHLIGHTED = '[role=group][aria-label="python code"][aria-description="syntax highlighted"]'
QR = '[role=img][aria-label="QR code of the Lightning invoice"]'


def lazy_urls(bundles: BuiltBundles, build_id: str) -> dict[str, str]:
    manifest = decode_manifest((bundles.root / build_id / "manifest.json").read_bytes())
    urls = {w.name: w.url for w in manifest.wheels if w.name in manifest.entry.lazy_packages}
    assert set(urls) == {"pygments", "segno"}
    return urls


def requested(requests: list[str], url: str) -> int:
    return sum(1 for r in requests if r.endswith(url))


def page_requests(page: Page) -> list[str]:
    """The page's own requests (the guard's list also has the service worker's fetches to the network:
    a page load of a wheel the worker has not cached yet shows there twice, page → worker → network)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


def cached(page: Page, build_id: str, url: str) -> bool:
    return bool(page.evaluate(f"async () => Boolean(await (await caches.open('oa-build-{build_id}')).match('{url}'))"))


def test_boot_loads_no_page_wheel_and_a_code_block_loads_pygments_once_then_is_highlighted(
        page: Page, server: LiveServer, bundles: BuiltBundles, guard: Guard,
        start_worker: Callable[[str], subprocess.Popen[bytes]]) -> None:
    start_worker(str(run(api_token(server, EMAIL))))
    mine = page_requests(page)
    sign_in(page, server, "/")
    build = wait_booted(page)["build"]
    urls = lazy_urls(bundles, build)
    # The worker is installed (its precache done) and the deferred wheels are loaded: boot is over.
    wait_js(page, "(await navigator.serviceWorker.ready) && performance.getEntriesByName('deferred-packages-loaded').length")
    # Nothing asked for either wheel: not the page, not the service worker (its precache skips them).
    assert requested(guard.requests, urls["pygments"]) == requested(guard.requests, urls["segno"]) == 0
    assert not cached(page, build, urls["pygments"])  # not precached either
    assert page.evaluate("() => window.__oa.packages().loads") == []

    page.get_by_label("Message").fill(f"Show me:\n```python\n{CODE}\n```")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/chat/[^/]+$"), timeout=30_000)
    expect(page.locator(HIGHLIGHTED)).to_have_count(1, timeout=60_000)
    block = page.locator(HIGHLIGHTED)
    expect(page.get_by_text("writing…")).to_have_count(0, timeout=30_000)  # the rest of the reply streamed in
    # (the block may be highlighted while the reply still streams; its whole text is there once it completed)
    expect(block.locator("[role=code]")).to_have_text(CODE, timeout=10_000)  # one mirrored text: select, find, read
    assert block.locator("[role=code]").text_content() == CODE  # exactly, indentation included
    assert requested(mine, urls["pygments"]) == 1 and requested(mine, urls["segno"]) == 0
    assert requested(guard.requests, urls["pygments"]) == 2  # the page's, and the worker's to the network
    assert page.evaluate("() => window.__oa.packages()") == {
        "status": {"pygments": "ready", "segno": "idle"}, "errors": {}, "loads": ["pygments"]}
    wait_for(lambda: cached(page, build, urls["pygments"]), 10, "the service worker to keep the wheel")

    # The copy button copies the code as written.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    block.get_by_role("button", name="Copy code").click()
    wait_for(lambda: page.evaluate("() => navigator.clipboard.readText()") == CODE, 10, "the copied code")

    # A second reply with code draws highlighted at once, with no new request.
    page.get_by_label("Message").fill("again:\n```python\nx = 1\n```")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(HIGHLIGHTED)).to_have_count(2, timeout=60_000)
    assert requested(mine, urls["pygments"]) == 1 and requested(guard.requests, urls["pygments"]) == 2


def _admin_pays(server: LiveServer) -> dict:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _agent_pays(server)).result()


@pytest.fixture
def l402_server(live_server, bundles) -> LiveServer:  # type: ignore[no-untyped-def]
    return live_server(env={"OPENAGENTS_BUNDLES_DIR": str(bundles.root), "OPENAGENTS_ADMIN_EMAILS": ADMIN,
                            "OPENAGENTS_SHELL_UPDATE_CHECK_SECONDS": "60", "OPENAGENTS_L402_HTTP_ALLOW": "127.0.0.1"})


def test_the_invoice_page_loads_segno_and_draws_the_invoice_qr(page: Page, l402_server: LiveServer,
                                                                bundles: BuiltBundles, guard: Guard) -> None:
    payment = _admin_pays(l402_server)
    page.set_viewport_size({"width": 1280, "height": 1400})
    mine = page_requests(page)
    query = dev_login.signed_query("dev-only-test-login-secret", ADMIN, redirect="/l402")
    page.goto(f"{l402_server.url}/internal/test-login?{query}")
    build = wait_booted(page)["build"]
    urls = lazy_urls(bundles, build)
    expect(page.get_by_text("979 sats")).to_be_visible(timeout=60_000)
    assert requested(guard.requests, urls["segno"]) == 0  # the wallet page shows no invoice

    page.get_by_role("link", name=f"Transaction {payment['id']}").click()
    qr = page.locator(QR)
    expect(qr).to_have_count(1, timeout=60_000)
    invoice = "".join(page.locator("#l402-invoice-text").inner_text().split())  # the mirror breaks long lines
    assert invoice.startswith("lnbc") and len(invoice) > 100
    assert requested(mine, urls["segno"]) == 1 and requested(guard.requests, urls["pygments"]) == 0
    assert page.evaluate("() => window.__oa.packages().status.segno") == "ready"

    # The drawn QR is segno's matrix for the invoice: sample the canvas at every module's centre.
    matrix = qr_matrix(invoice_payload(invoice))
    assert matrix == tuple(tuple(bool(m) for m in row) for row in segno.make_qr(
        invoice_payload(invoice), error="m").matrix_iter(scale=1, border=4))
    qr.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the frame after the scroll
    # Like a scanner: find the dark modules' extent on the canvas inside the QR's mirror node (its quiet zone
    # is white), derive the module size from it, then read every module at its centre.
    found = page.evaluate("""(n) => {
        const node = document.querySelector('[role=img][aria-label="QR code of the Lightning invoice"]');
        const canvas = document.querySelector('canvas.oa-canvas');
        const ctx = canvas.getContext('2d');
        const r = node.getBoundingClientRect(), c = canvas.getBoundingClientRect();
        const sx = canvas.width / c.width, sy = canvas.height / c.height;
        const x0 = Math.max(0, Math.floor((r.left - c.left) * sx)), y0 = Math.max(0, Math.floor((r.top - c.top) * sy));
        const w = Math.ceil(r.width * sx), h = Math.ceil(r.height * sy);
        const img = ctx.getImageData(x0, y0, w, h).data;
        const dark = (x, y) => { const i = (y * w + x) * 4; return img[i] + img[i + 1] + img[i + 2] < 384; };
        let left = w, right = -1, top = h, bottom = -1;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (dark(x, y)) {
          left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y); }
        const inner = n - 8, mx = (right - left + 1) / inner, my = (bottom - top + 1) / inner;
        const rows = [];
        for (let y = 0; y < n; y++) {
          const row = [];
          for (let x = 0; x < n; x++) {
            const qx = x - 4, qy = y - 4;
            row.push(qx >= 0 && qy >= 0 && qx < inner && qy < inner
              && dark(Math.floor(left + (qx + 0.5) * mx), Math.floor(top + (qy + 0.5) * my)));
          }
          rows.push(row);
        }
        return {rows, info: {node: [r.left, r.top, r.width, r.height], canvas: [c.left, c.top, c.width, c.height,
                canvas.width, canvas.height], bbox: [x0 + left, y0 + top, right - left + 1, bottom - top + 1], mx, my}};
        }""", len(matrix))
    drawn = found["rows"]
    assert abs(found["info"]["mx"] - 3) < 0.01 and abs(found["info"]["my"] - 3) < 0.01, found["info"]
    assert tuple(tuple(row) for row in drawn) == matrix, found["info"]

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy invoice").click()
    wait_for(lambda: page.evaluate("() => navigator.clipboard.readText()") == invoice, 10, "the copied invoice")
