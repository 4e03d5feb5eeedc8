"""The shell drawn through the Surface with CPython fakes: mirror semantics, events back as intents,
frames only when something changed, dialogs that trap focus."""

from __future__ import annotations

from dataclasses import replace

from openagents_shell.app import GalleryEdit, GalleryName, Navigate, initial_state, reduce
from openagents_shell.host.fake import FakeNode
from openagents_shell.pages import shell
from openagents_shell.ui.display import Rect

from tests.shell.support import Harness


def boxes(node: FakeNode) -> dict[str, tuple[float, float, float, float]]:
    """Absolute boxes of mirror nodes, from their inline styles (as e2e reads them from the DOM)."""
    out: dict[str, tuple[float, float, float, float]] = {}

    def walk(n: FakeNode, ox: float, oy: float) -> None:
        style = dict(p.split(":", 1) for p in n.style.split(";") if p and ":" in p)
        x = ox + float(style.get("left", "0px")[:-2] or 0)
        y = oy + float(style.get("top", "0px")[:-2] or 0)
        if "data-oa" in n.attrs and "width" in style:
            out[n.attrs["data-oa"]] = (x, y, float(style["width"][:-2]), float(style["height"][:-2]))
        for c in n.children:
            walk(c, x, y)

    walk(node, 0, 0)
    return out


def show(h: Harness, state) -> None:  # type: ignore[no-untyped-def]
    h.surface.show(shell.view(state), shell.root_attrs(state))
    h.frame()


def test_the_backend_is_sized_to_the_viewport() -> None:
    h = Harness(width=1280, height=800)
    assert h.canvas.sizes == [(1280, 800, 1.0)]


def test_the_shell_mirror_has_landmarks_links_and_the_route_title() -> None:
    h = Harness()
    show(h, initial_state("b1", "/feed"))
    root = h.dom.root
    assert root.attrs["data-route"] == "feed" and root.attrs["data-ready"] == "1"
    nav = root.find("nav")
    links = nav.find_all("a")
    assert [a.text for a in links][:3] == ["Home", "Feed", "Chat"]
    assert root.find("a", href="/feed").attrs["aria-current"] == "page"
    assert root.find("h1").text == "Feed" and root.find("h1").attrs["id"] == "oa-title"
    assert root.find("main").attrs["tabindex"] == "0"


def test_at_375_px_the_nav_wraps_and_nothing_overlaps_or_overflows() -> None:
    for width in (1280, 375):
        h = Harness(width=width)
        show(h, initial_state("b1", "/l402/transactions/abc"))
        b = boxes(h.dom.root)
        assert all(x >= 0 and x + w <= width + 0.5 for x, _, w, _ in b.values()), b
        links = [b[a.attrs["data-oa"]] for a in h.dom.root.find("nav").find_all("a")]
        for i, p in enumerate(links):
            for q in links[i + 1:]:
                assert p[0] + p[2] <= q[0] or q[0] + q[2] <= p[0] or p[1] + p[3] <= q[1] or q[1] + q[3] <= p[1]


def test_clicks_become_navigation_and_presses_become_intents() -> None:
    h = Harness()
    show(h, replace(initial_state("b1", "/"), update_ready=True))
    link = h.dom.root.find("a", href="/workers").attrs["data-oa"]
    assert h.dom.fire("click", link) and h.navigated == ["/workers"]
    assert not h.dom.fire("click", link, modified=True)  # ctrl/middle click: the browser opens a tab
    assert h.dom.fire("click", "oa-reload")
    assert type(h.intents[-1]).__name__ == "AcceptUpdate"


def test_a_frame_is_drawn_only_when_something_changed() -> None:
    h = Harness()
    state = initial_state("b1", "/")
    show(h, state)
    assert h.surface.frames == 1
    h.surface.show(shell.view(state), shell.root_attrs(state))  # the same view again
    assert h.frame() == 0 and h.surface.frames == 1
    calls = h.dom.calls
    h.dom.fire("scroll", "oa-main", scroll_top=40.0)
    assert h.frame() == 1 and h.surface.stats["boxes_laid_out"] == 0  # repainted, not re-laid out
    assert h.dom.calls == calls  # and the mirror did not change
    h.dom.fire("focusin", h.dom.root.find("a", href="/feed").attrs["data-oa"])
    h.frame()
    ring = [op for op in h.surface.scene.ops if isinstance(op, Rect) and op.border == "#2f5fe0" and op.fill is None]
    assert len(ring) == 1  # the focus ring is drawn on the canvas


def test_typing_dispatches_the_fields_intent_and_the_mirror_keeps_the_typed_value() -> None:
    h = Harness()
    state = initial_state("b1", "/debug")
    show(h, state)
    field = h.dom.root.find("input")
    assert field.attrs["aria-label"] == "Display name"
    field.value = "Ada"
    h.dom.fire("input", "gallery-name", value="Ada")
    assert h.intents == [GalleryName("Ada")]
    state, _ = reduce(state, h.intents[-1])
    calls = h.dom.calls
    show(h, state)
    assert field.value == "Ada" and h.dom.calls == calls  # nothing rewritten under the caret


def test_a_dialog_takes_focus_traps_tab_closes_on_escape_and_gives_focus_back() -> None:
    h = Harness()
    state = initial_state("b1", "/debug")
    show(h, state)
    opener = h.dom.root.find("button", id="gallery-open")
    h.dom.focus(opener)
    h.surface.focus = "gallery-open"
    state, _ = reduce(state, GalleryEdit("dialog", True))
    show(h, state)
    dialog = h.dom.root.find(role="dialog")
    assert dialog.attrs["aria-modal"] == "true" and dialog.attrs["aria-label"] == "Confirm"
    assert h.dom.active_id() == "dialog-cancel"  # focus moved into the dialog
    assert "inert" in h.dom.root.find("nav").attrs  # the page behind is inert, the dialog is not
    assert not any("inert" in n.attrs for n in dialog.walk())
    assert h.dom.fire("keydown", "dialog-ok", key="Tab")  # past the last control…
    assert h.dom.active_id() == "dialog-cancel"  # …wraps to the first
    assert h.dom.fire("keydown", "dialog-cancel", key="Tab", shift=True)
    assert h.dom.active_id() == "dialog-ok"
    assert h.dom.fire("keydown", "dialog-ok", key="Escape")
    assert h.intents[-1] == GalleryEdit("dialog", False)
    state, _ = reduce(state, h.intents[-1])
    show(h, state)
    assert not h.dom.root.find_all(role="dialog") and "inert" not in h.dom.root.find("nav").attrs
    assert h.dom.active_id() == "gallery-open"


def test_arrow_keys_move_between_tabs_and_select_them() -> None:
    h = Harness()
    show(h, initial_state("b1", "/debug"))
    tab0 = h.dom.root.find(role="tab", id="gallery-tab-0")
    assert tab0.attrs["aria-selected"] == "true"
    assert h.dom.fire("keydown", "gallery-tab-0", key="ArrowRight")
    assert h.dom.active_id() == "gallery-tab-1" and h.intents[-1] == GalleryEdit("tab", 1)


def test_the_not_found_page_says_so_and_links_home() -> None:
    h = Harness()
    show(h, initial_state("b1", "/nope"))
    assert h.dom.root.find("h1").text == "Page not found"
    assert [a.text for a in h.dom.root.find("main").find_all("a", href="/")] == ["Go to Home"]
    assert "There is no page at /nope." in h.dom.root.all_text()


def test_navigation_intents_reach_the_reducer() -> None:
    state, effects = reduce(initial_state("b1", "/"), Navigate("/debug"))
    assert state.route.name == "debug" and effects


def test_chat_markdown_becomes_paragraphs_lists_code_and_real_links() -> None:
    from openagents_shell.ui.markdown import markdown

    h = Harness(width=360)
    h.surface.show(markdown("Hello **bold** and *soft* with `code`, see [docs](/docs).\n\n- one\n- two\n\n"
                            "```\nprint(1)\n```\n[bad](javascript:alert(1))"))
    h.frame()
    root = h.dom.root
    assert root.find("a", href="/docs").text == "docs"
    assert [n.attrs.get("role") for n in root.walk() if n.attrs.get("role") == "listitem"] == ["listitem"] * 2
    assert "print(1)" in root.all_text() and "bold" in root.all_text()
    assert root.find_all("a", href="#")  # a javascript: URL never becomes a link target
    assert all(x + w <= 360.5 for x, _, w, _ in boxes(root).values())


def test_a_long_list_mirrors_only_rows_near_the_visible_part_and_follows_scrolling() -> None:
    from openagents_shell.pages import sample

    h = Harness()
    h.surface.show(sample.list_view(1000, 600))
    h.frame()
    first = len(h.dom.root.find_all(role="listitem"))
    assert 20 <= first <= 120  # not 1000
    assert "Row 0: worker run" in h.dom.root.all_text()
    h.dom.fire("scroll", "sample-rows", scroll_top=40.0)
    h.frame()
    assert h.surface.stats["mirror_updated"] == 0  # a small scroll only repaints
    h.dom.fire("scroll", "sample-rows", scroll_top=20_000.0)
    h.frame()
    text = h.dom.root.all_text()
    assert "Row 0: worker run" not in text and "Row 600: worker run" in text
    assert h.dom.root.find(role="list").attrs["aria-label"] == "1000 rows"
    drawn = [op.text for op in h.surface.scene.ops if hasattr(op, "text") and op.text.startswith("Row ")]
    assert drawn and all(550 <= int(t.split()[1].rstrip(":")) <= 640 for t in drawn)  # only visible rows drawn
