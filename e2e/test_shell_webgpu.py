"""The WebGPU set-up: Chromium with the WebGPU flags (a SwiftShader adapter). ``?gpu=webgpu`` draws
with WebGPU, ``auto`` picks Canvas2D on that software adapter, device loss falls back to Canvas2D with
the page's state intact, and a WebGPU frame looks like the Canvas2D frame of the same state."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture
def gpu_context(webgpu_browser: Any, guard: Guard) -> Iterator[BrowserContext]:
    ctx = webgpu_browser.new_context(viewport={"width": 1280, "height": 800})
    guard.attach(ctx)
    yield ctx
    ctx.close()


def shown(page: Page, server: LiveServer, path: str) -> str:
    page.goto(server.url + path)
    wait_booted(page)
    return page.locator("#oa-app [data-ready]").get_attribute("data-renderer") or ""


def wait_renderer(page: Page, name: str) -> None:
    wait_js(page, f"document.querySelector('#oa-app [data-renderer=\"{name}\"]')", 30_000)


def test_auto_picks_canvas2d_on_the_software_adapter(server: LiveServer, gpu_context: BrowserContext) -> None:
    page = gpu_context.new_page()
    shown(page, server, "/debug")
    wait_js(page, "window.__oa && window.__oa.adapter", 30_000)
    adapter = page.evaluate("window.__oa.adapter")
    assert adapter["software"] is True, adapter  # SwiftShader
    assert page.evaluate("window.__oa.rendererFallback === undefined")  # the default here, not a fallback
    assert page.locator("#oa-app [data-ready]").get_attribute("data-renderer") == "canvas2d"
    expect(page.get_by_text("Renderer: canvas2d")).to_be_attached()


def test_gpu_webgpu_draws_with_webgpu_and_the_page_works_by_role(server: LiveServer,
                                                               gpu_context: BrowserContext) -> None:
    page = gpu_context.new_page()
    shown(page, server, "/debug?gpu=webgpu")
    wait_renderer(page, "webgpu")
    expect(page.get_by_text("Renderer: webgpu")).to_be_attached()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workers").click()
    expect(page.get_by_role("heading", level=1, name="Workers")).to_be_visible()
    wait_js(page, "window.__oa.stats().renderer === 'webgpu' && window.__oa.stats().frames > 2")


def test_device_loss_falls_back_to_canvas2d_with_text_scroll_and_focus_intact(
        server: LiveServer, gpu_context: BrowserContext) -> None:
    page = gpu_context.new_page()
    page.set_viewport_size({"width": 800, "height": 500})
    shown(page, server, "/debug?gpu=webgpu")
    wait_renderer(page, "webgpu")
    field = page.get_by_role("textbox", name="Display name")
    field.focus()  # the browser scrolls the page's main area to show it
    page.keyboard.type("kept")
    frames = page.evaluate("window.__oa.stats().frames")
    scrolled = page.get_by_role("main").evaluate("m => m.scrollTop += 60")
    assert scrolled > 0
    wait_js(page, f"window.__oa.stats().frames > {frames}", 10_000)  # the canvas follows the scroll
    page.evaluate("window.__oa.loseDevice()")
    wait_renderer(page, "canvas2d")
    assert page.evaluate("window.__oa.rendererFallback") == "device_lost"  # and one telemetry event says so
    wait_js(page, "window.__oa.telemetry && window.__oa.telemetry().recorded.renderer_fallback === 1", 10_000)
    expect(field).to_have_value("kept")
    expect(field).to_be_focused()
    assert page.get_by_role("main").evaluate("m => m.scrollTop") == scrolled
    page.keyboard.type(" still")
    expect(field).to_have_value("kept still")


#: Mean absolute difference per channel (0–255) between two PNG screenshots, decoded by the browser.
PNG_DIFF = """async ([a, b]) => {
  const load = async (s) => createImageBitmap(await (await fetch('data:image/png;base64,' + s)).blob());
  const [ia, ib] = await Promise.all([load(a), load(b)]);
  const c = new OffscreenCanvas(ia.width, ia.height).getContext('2d', {willReadFrequently: true});
  c.drawImage(ia, 0, 0); const da = c.getImageData(0, 0, ia.width, ia.height).data;
  c.drawImage(ib, 0, 0); const db = c.getImageData(0, 0, ia.width, ia.height).data;
  let sum = 0, far = 0;
  for (let i = 0; i < da.length; i += 4) {
    let d = 0; for (let k = 0; k < 3; k++) d += Math.abs(da[i + k] - db[i + k]);
    sum += d; if (d > 96) far++;
  }
  return {mean: sum / (da.length / 4 * 3), far: far / (da.length / 4)};
}"""


def test_a_webgpu_frame_matches_the_canvas2d_frame_of_the_same_state(server: LiveServer, gpu_context: BrowserContext,
                                                                     tmp_path: Path) -> None:
    shots = []
    for mode in ("canvas2d", "webgpu"):
        page = gpu_context.new_page()
        shown(page, server, f"/debug?gpu={mode}")
        wait_renderer(page, mode)
        page.wait_for_timeout(500)  # the web font arrived and was laid out
        png = page.screenshot()
        (tmp_path / f"{mode}.png").write_bytes(png)  # kept for a failing run: pytest's tmp_path
        shots.append(base64.b64encode(png).decode())
        page.close()
    page = gpu_context.new_page()
    page.goto("about:blank")
    diff = page.evaluate(PNG_DIFF, shots)
    # Text antialiasing differs (the atlas is rasterised separately); shapes and layout must agree.
    assert diff["mean"] < 4.0 and diff["far"] < 0.01, diff
