"""The shell drawn by the UI toolkit, used the way people use it: by role and label (never canvas
coordinates), with the keyboard, with a text field, at phone width, with axe-core, and idle.

Every test runs under both browser set-ups: the default flags (no WebGPU adapter: Canvas2D) and the
WebGPU flag set with ``?gpu=webgpu`` (``data-renderer="webgpu"``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Guard, wait_booted, wait_js
from tests.support.bundles import REPO
from tests.support.servers import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

AXE = REPO / "build" / "node_modules" / "axe-core" / "axe.min.js"

#: Boxes of every mirror element, in page coordinates.
MIRROR_BOXES = """() => [...document.querySelectorAll('#oa-app [data-oa]')].filter(e => e.dataset.oa !== 'root')
  .map(e => { const r = e.getBoundingClientRect();
    return {id: e.dataset.oa, tag: e.tagName, x: r.x, y: r.y, w: r.width, h: r.height,
            leaf: !e.querySelector('[data-oa]')}; })"""


@pytest.fixture(params=["canvas2d", "webgpu"])
def page(request: pytest.FixtureRequest, guard: Guard) -> Iterator[Page]:
    """A page in the set-up under test (this module's own ``page``); ``open_shell`` adds
    ``?gpu=webgpu`` under the WebGPU set-up and waits for the switch."""
    gpu = request.param == "webgpu"
    own = request.getfixturevalue("webgpu_browser").new_context() if gpu else None
    if own is not None:
        guard.attach(own)
    ctx = own or request.getfixturevalue("context")
    page = ctx.new_page()
    page.__dict__["oa_gpu"] = gpu
    yield page
    if own is not None:
        own.close()


def open_shell(page: Page, server: LiveServer, path: str) -> dict[str, str]:
    gpu = page.__dict__.get("oa_gpu", False)
    page.goto(server.url + path + ("?gpu=webgpu" if gpu else ""))
    shell = wait_booted(page)
    want = "webgpu" if gpu else "canvas2d"
    wait_js(page, f"document.querySelector('#oa-app [data-renderer=\"{want}\"]')", 30_000)
    return shell


def renderer(page: Page) -> str:
    return page.locator("#oa-app [data-ready]").get_attribute("data-renderer") or ""


def test_the_shell_is_found_by_role_and_navigates_without_reloading(server: LiveServer, page: Page) -> None:
    shell = open_shell(page, server, "/")
    gpu = page.__dict__["oa_gpu"]
    assert shell["route"] == "home" and renderer(page) == ("webgpu" if gpu else "canvas2d")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    page.evaluate("window.__sameDocument = true")
    nav.get_by_role("link", name="Workers").click()
    expect(page.get_by_role("heading", level=1, name="Workers")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True and page.url.endswith("/workers")
    expect(page).to_have_title("Workers · OpenAgents")
    # The canvas drew the page: a Canvas2D frame is not one flat colour; WebGPU drew its display list
    # (its pixels are compared with Canvas2D's in test_shell_webgpu.py).
    if gpu:
        stats = page.evaluate("window.__oa.stats()")
        assert stats["renderer"] == "webgpu" and stats["ops"] > 10, stats
    else:
        assert page.evaluate("""() => { const c = document.querySelector('#oa-app canvas:not([hidden])');
            const d = c.getContext('2d').getImageData(0, 0, c.width, 80).data;
            return new Set(Array.from({length: d.length / 4}, (_, i) => d[i * 4])).size; }""") > 2
    page.go_back()
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    open_shell(page, server, "/no/such/page")
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Go to Home")).to_have_attribute("href", "/")


def test_a_text_field_takes_typing_selection_clipboard_ime_and_undo(server: LiveServer, page: Page) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_shell(page, server, "/debug")
    field = page.get_by_role("textbox", name="Display name")
    field.click()
    page.keyboard.type("Ada Lovelace")
    expect(field).to_have_value("Ada Lovelace")
    page.keyboard.press("Shift+Home")  # select it all, copy, paste at the end
    page.keyboard.press("Control+c")
    page.keyboard.press("End")
    page.keyboard.press("Control+v")
    expect(field).to_have_value("Ada LovelaceAda Lovelace")
    page.keyboard.press("Control+z")  # the browser's own undo
    expect(field).to_have_value("Ada Lovelace")
    page.keyboard.insert_text(" 日本語")  # what an IME commits
    expect(field).to_have_value("Ada Lovelace 日本語")
    # The app state followed every edit: the toast says what it holds.
    page.get_by_role("button", name="Show toast").click()
    expect(page.get_by_role("status").filter(has_text="Saved Ada Lovelace 日本語")).to_be_visible()
    notes = page.get_by_role("textbox", name="Notes")
    notes.fill("line one\nline two")
    expect(notes).to_have_value("line one\nline two")


def test_keyboard_only_reaches_every_control_and_the_dialog_traps_focus(server: LiveServer, page: Page) -> None:
    open_shell(page, server, "/debug")
    seen: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.dataset.oa || document.activeElement.tagName"))
    controls = page.evaluate("""() => [...document.querySelectorAll(
        '#oa-app a[href], #oa-app button, #oa-app input, #oa-app textarea')].map(e => e.dataset.oa)""")
    assert set(controls) <= set(seen), set(controls) - set(seen)
    # Space toggles the checkbox; Enter opens the dialog.
    box = page.get_by_role("checkbox", name="I agree to the terms")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_have_attribute("aria-checked", "true")
    page.get_by_role("button", name="Open dialog").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Confirm")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    for _ in range(5):  # focus stays inside
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('[role=dialog]')")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Open dialog")).to_be_focused()
    # Arrow keys move between tabs and select them.
    page.get_by_role("tab", name="Overview").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Details")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("table", name="Toolkit parts")).to_be_visible()


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["x"] + 0.5 < b["x"] + b["w"] and b["x"] + 0.5 < a["x"] + a["w"] \
        and a["y"] + 0.5 < b["y"] + b["h"] and b["y"] + 0.5 < a["y"] + a["h"]


def test_resizing_from_1280_to_375_reflows_with_no_overlap_and_no_horizontal_scroll(
        server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    open_shell(page, server, "/debug")
    for width in (1280, 768, 375):
        page.set_viewport_size({"width": width, "height": 800})
        wait_js(page, f"(() => {{ const m = document.querySelector('#oa-app main');"
                      f" return m && Math.abs(m.getBoundingClientRect().width - {width}) < 1; }})()", 10_000)
        time.sleep(0.2)
        boxes = page.evaluate(MIRROR_BOXES)
        assert all(b["x"] >= -0.5 and b["x"] + b["w"] <= width + 0.5 for b in boxes if b["w"]), width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        leaves = [b for b in boxes if b["leaf"] and b["w"] and b["h"]]
        bad = [(a["id"], b["id"]) for i, a in enumerate(leaves) for b in leaves[i + 1:] if _overlaps(a, b)]
        assert not bad, (width, bad[:5])


@pytest.mark.parametrize("path", ["/", "/debug", "/nope"])
def test_axe_finds_no_serious_or_critical_violations(server: LiveServer, page: Page, path: str) -> None:
    open_shell(page, server, path)
    page.evaluate(Path(AXE).read_text())  # evaluated by the test, not injected as a tag (the page's CSP)
    result = page.evaluate("""async () => { const r = await axe.run(document.getElementById('oa-app'));
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})); }""")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def test_an_idle_page_draws_no_frames(server: LiveServer, page: Page) -> None:
    open_shell(page, server, "/debug")
    # Boot settles first: the web font's arrival, the WebGPU probe and the first answers each draw once (on
    # a loaded machine they land seconds apart), so wait for all three to be over, then for 2 s without a
    # frame. A render loop never settles.
    wait_js(page, "document.fonts.status === 'loaded' && 'adapter' in window.__oa"
                  " && window.__oa.stats().pending_calls === 0", 30_000)
    before = page.evaluate("window.__oa.stats().frames")
    deadline = time.monotonic() + 30
    while True:
        time.sleep(2.0)
        now = page.evaluate("window.__oa.stats().frames")
        if now == before:
            break
        assert time.monotonic() < deadline, f"still drawing after 30 s ({now} frames)"
        before = now
    time.sleep(2.0)
    assert page.evaluate("window.__oa.stats().frames") == before
    page.get_by_role("link", name="Feed").click()
    wait_js(page, f"window.__oa.stats().frames > {before}", 10_000)


def test_a_menu_opens_onto_its_first_item_and_the_arrow_keys_move_through_it(server: LiveServer, page: Page) -> None:
    open_shell(page, server, "/debug")
    trigger = page.get_by_role("button", name="More")
    trigger.focus()
    page.keyboard.press("Enter")
    expect(trigger).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_role("menu", name="More")
    expect(menu.get_by_role("menuitem", name="Clear name")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Close menu")).to_be_focused()
    page.keyboard.press("ArrowDown")  # wraps around
    expect(menu.get_by_role("menuitem", name="Clear name")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="Close menu")).to_be_focused()
    page.keyboard.press("Home")
    expect(menu.get_by_role("menuitem", name="Clear name")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(trigger).to_be_focused()
    expect(trigger).to_have_attribute("aria-expanded", "false")


def test_a_select_is_chosen_by_keyboard_and_by_label(server: LiveServer, page: Page) -> None:
    open_shell(page, server, "/debug")
    density = page.get_by_role("combobox", name="Density")
    expect(density).to_have_value("comfortable")
    density.select_option(label="Compact")
    expect(page.get_by_text("Density: Compact")).to_be_attached()
    density.focus()
    page.keyboard.press("ArrowDown")  # the browser's own select keys
    expect(density).to_have_value("comfortable")
    expect(page.get_by_text("Density: Comfortable")).to_be_attached()


def test_an_image_is_named_and_drawn(server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    open_shell(page, server, "/debug")
    img = page.get_by_role("img", name="Four coloured squares")
    img.scroll_into_view_if_needed()  # scrolls the page's main area: the canvas draws what is in view
    expect(img).to_be_visible()
    wait_js(page, "window.__oa.stats().images >= 1", 10_000)  # drawn once it had loaded
    if not page.__dict__["oa_gpu"]:  # the canvas has the image's colours where the mirror says it is
        box = img.bounding_box()
        assert box is not None
        top_left = page.evaluate("""([x, y]) => { const c = document.querySelector('#oa-app canvas:not([hidden])');
            const r = devicePixelRatio; return Array.from(c.getContext('2d').getImageData(x * r, y * r, 1, 1).data); }""",
                                 [box["x"] + 12, box["y"] + 12])
        assert abs(top_left[0] - 0x2F) < 24 and abs(top_left[2] - 0xE0) < 24, top_left  # the blue quarter


def test_a_sticky_header_stays_at_the_top_of_the_page_while_its_section_scrolls(server: LiveServer,
                                                                              page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 600})
    open_shell(page, server, "/debug")
    main = page.get_by_role("main")
    header = page.get_by_role("heading", name="Drawing")
    items = page.get_by_text("Rounded rects")
    main_top = main.bounding_box()["y"]  # type: ignore[index]
    start = header.bounding_box()["y"]  # type: ignore[index]
    frames = page.evaluate("window.__oa.stats().frames")
    # Scroll so that the section's header would be 10 px above the page's top, its items still in view.
    main.evaluate(f"m => m.scrollTop = {start - main_top + 10}")
    wait_js(page, f"window.__oa.stats().frames > {frames}", 10_000)
    time.sleep(0.2)
    stuck = header.bounding_box()["y"]  # type: ignore[index]
    assert main_top <= stuck <= main_top + 9  # the header's box (8 px padding above the heading) at the top
    assert items.bounding_box()["y"] < main_top + 40  # type: ignore[index]  # the items scrolled on
    # Scrolled well past its section, the header goes with it.
    main.evaluate(f"m => m.scrollTop = {start - main_top + 400}")
    time.sleep(0.5)
    assert header.bounding_box()["y"] < main_top  # type: ignore[index]
