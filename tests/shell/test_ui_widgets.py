"""Select, images, sticky headers, breakpoints and menu keys, through the Surface with CPython fakes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openagents_shell.host.fake import FakeImage, FakeImages
from openagents_shell.render.atlas import Atlas
from openagents_shell.render.webgpu import IMAGE_FONT, INSTANCE, WebGpuBackend
from openagents_shell.ui.components import (
    breakpoint,
    button,
    column,
    columns,
    image,
    label,
    menu,
    pad,
    row,
    select,
    sticky_header,
)
from openagents_shell.ui.display import Image, Rect, TextRun
from openagents_shell.ui.element import Element, Semantics, Style, box
from openagents_shell.ui.layout import Layout
from openagents_shell.ui.text import TextMeasurer, approximate_width

from tests.shell.support import Harness
from tests.shell.test_render_gpu import Recorder
from tests.shell.test_ui_surface import boxes


class RecordingProvider(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.rasterized: list[list[Any]] = []

    def rasterize(self, items: list[Any], size: int, reset: bool) -> None:
        self.rasterized.append(items)


@dataclass(frozen=True)
class Picked:
    value: str


@dataclass(frozen=True)
class Toggle:
    open_: bool


@dataclass(frozen=True)
class Chose:
    item: str


def page(*children: Element | None) -> Element:
    return box(column(*children, padding=pad(16)), key="page", sem=Semantics("main"), style=Style(scroll=True, grow=1))


# ---- select --------------------------------------------------------------------------------------
def test_a_select_is_a_real_select_with_options_and_dispatches_the_chosen_value() -> None:
    h = Harness()
    sizes = [("s", "Small"), ("m", "Medium"), ("l", "Large")]
    h.surface.show(page(select("Size", "m", sizes, Picked, key="size")))
    h.frame()
    sel = h.dom.root.find("select")
    assert sel.attrs["aria-label"] == "Size" and "role" not in sel.attrs
    assert [(o.attrs["value"], o.text) for o in sel.children] == sizes and sel.value == "m"
    assert h.dom.fire("input", "size", value="l") is False
    assert h.intents == [Picked("l")]
    # The canvas draws the frame and a chevron; the chosen label is the <select>'s own text.
    assert any(c[0] == "text" and c[3] == "\u25be" for c in h.canvas.calls)
    calls = h.dom.calls
    h.surface.show(page(select("Size", "l", sizes, Picked, key="size")))
    h.frame()
    assert sel.value == "l" and h.dom.calls - calls <= 2  # the value, not new options


def test_a_disabled_select_cannot_be_focused() -> None:
    h = Harness()
    h.surface.show(page(select("Size", "s", [("s", "Small")], Picked, key="size", disabled=True)))
    h.frame()
    assert "disabled" in h.dom.root.find("select").attrs


# ---- images --------------------------------------------------------------------------------------
def test_an_image_is_drawn_once_it_has_loaded_and_is_named_in_the_mirror() -> None:
    h = Harness()
    h.surface.show(page(image("/static/icon.svg", "OpenAgents logo", width=48, height=48, radius=8)))
    h.frame()
    assert h.dom.root.find(role="img").attrs["aria-label"] == "OpenAgents logo"
    assert not [c for c in h.canvas.calls if c[0] == "image"] and h.images.requested == ["/static/icon.svg"]
    before = h.surface.frames
    h.images.load("/static/icon.svg", FakeImage(1, 1, b"\xff\x00\x00\xff"))
    assert h.frame() == 1 and h.surface.frames == before + 1  # the load asked for one frame
    drawn = [c for c in h.canvas.calls if c[0] == "image"]
    assert len(drawn) == 1 and drawn[0][3:5] == (48, 48) and drawn[0][6] == 8
    assert h.surface.stats["boxes_laid_out"] == 0  # repainted, not re-laid out


def test_a_decorative_image_has_no_role() -> None:
    h = Harness()
    h.surface.show(page(image("/a.png", "", width=10, height=10)))
    h.frame()
    assert not h.dom.root.find_all(role="img")


def test_webgpu_draws_an_image_from_the_atlas_sampled_in_colour() -> None:
    images = FakeImages()
    provider = RecordingProvider()
    backend = WebGpuBackend(provider, Atlas(), images=images)
    backend.resize(200, 100, 2.0)
    ops = [Rect(0, 0, 200, 100, "#ffffff"), Image(10, 20, 30, 15, "/a.png", 4.0),
           TextRun(50, 20, 40, 20, "hi", "400 15px Inter", 15, "#000000")]
    backend.draw(ops)
    assert backend.stats["runs"] == 1  # not loaded: only the text run
    images.load("/a.png", FakeImage(2, 2, b"\xff" * 16))
    backend.draw(ops)
    raster = provider.rasterized[-1]
    item = next(i for i in raster if i[2].startswith(IMAGE_FONT))
    slot = item[0]
    assert item[1] == "/a.png" and (slot.w, slot.h) == (60, 30)  # device pixels at dpr 2
    _, runs, batches, _ = backend.pack(ops)
    first = INSTANCE.unpack_from(runs, 0)
    assert first[:4] == (10, 20, 30, 15) and first[12] == 1.0  # the box, and the colour flag
    assert [b[0] for b in batches] == ["text"] and batches[0][2] == 2  # image and text: one batch


# ---- sticky headers ------------------------------------------------------------------------------
def sections() -> Element:
    def section(n: int) -> Element:
        rows = [label(f"Item {n}.{i}", key=f"item-{n}-{i}") for i in range(20)]
        return box(sticky_header(f"Section {n}", key=f"head-{n}"), *rows)

    return box(*(section(n) for n in range(3)), key="list", sem=Semantics("list", name="Sections"),
               style=Style(scroll=True, height=300))


def header_ops(h: Harness, name: str) -> list[tuple[int, tuple]]:  # type: ignore[type-arg]
    return [(i, c) for i, c in enumerate(h.canvas.calls) if c[0] == "text" and c[3] == name]


def test_a_sticky_header_stays_at_the_top_of_the_scroll_container_while_its_section_is_in_view() -> None:
    h = Harness(width=400, height=300)
    h.surface.show(sections())
    h.frame()
    top0 = boxes(h.dom.root)["head-0"][1]
    h.dom.fire("scroll", "list", scroll_top=200.0)
    h.frame()
    assert h.surface.stats["mirror_updated"] == 0.0  # a paint-only frame
    (i, call), = header_ops(h, "Section 0")
    assert abs(call[2] - (0 + 8 + 17)) < 20  # drawn at the container's top, not 200 px above it
    rows_drawn = [j for j, c in enumerate(h.canvas.calls) if c[0] == "text" and str(c[3]).startswith("Item 0.")]
    assert rows_drawn and i > max(rows_drawn)  # painted over the rows scrolling under it
    # The mirror element moved with it (clicks and screen readers find it where it is drawn).
    assert abs(boxes(h.dom.root)["head-0"][1] - (top0 + 200.0)) < 0.5


def test_the_next_section_pushes_the_sticky_header_away() -> None:
    h = Harness(width=400, height=300)
    h.surface.show(sections())
    h.frame()
    lay = h.surface.box
    assert lay is not None
    section0 = lay.children[0][2].h
    h.dom.fire("scroll", "list", scroll_top=section0 - 10)
    h.frame()
    (_, head0), = header_ops(h, "Section 0")
    (_, head1), = header_ops(h, "Section 1")
    assert head0[2] < head1[2]  # section 0's header rides up ahead of section 1's
    assert head1[2] - head0[2] < 60


# ---- breakpoints -----------------------------------------------------------------------------------
def test_a_breakpoint_box_lays_out_the_narrow_child_below_its_width_and_the_wide_one_above() -> None:
    narrow, wide = label("narrow"), label("wide")
    el = breakpoint(narrow, wide, at=640)
    lay = Layout(TextMeasurer(approximate_width))
    assert lay.run(el, 1280).children[0][2].el is wide
    assert lay.run(el, 375).children[0][2].el is narrow


def test_columns_sit_side_by_side_on_wide_screens_and_stack_on_phones() -> None:
    for width, side_by_side in ((1280, True), (375, False)):
        h = Harness(width=width)
        h.surface.show(page(columns(label("Left column", key="left"), label("Right column", key="right"))))
        h.frame()
        b = boxes(h.dom.root)
        (lx, ly, lw, lh), (rx, ry, _, _) = b["left"], b["right"]
        if side_by_side:
            assert ly == ry and rx >= lx + lw
        else:
            assert lx == rx and ry >= ly + lh
        assert rx + b["right"][2] <= width


# ---- menu keys -------------------------------------------------------------------------------------
def menu_page(open_: bool) -> Element:
    return page(row(menu("More", [("Rename", Chose("rename")), ("Archive", Chose("archive")),
                                   ("Delete", Chose("delete"))], open_=open_, on_toggle=Toggle(not open_),
                         key="more"), button("After", Chose("after"), key="after")))


def test_a_menu_opens_onto_its_first_item_and_up_down_home_end_move_escape_returns_to_the_button() -> None:
    h = Harness()
    h.surface.show(menu_page(False))
    h.frame()
    h.dom.focus(h.surface.mirror.handle("more"))
    h.dom.fire("focusin", "more")
    assert h.dom.fire("click", "more") and h.intents == [Toggle(True)]
    h.surface.show(menu_page(True))
    h.frame()
    assert h.dom.active_id() == "more-item-0"  # opening moved focus into the menu
    assert h.dom.root.find(id="more").attrs["aria-expanded"] == "true"
    moves = [("ArrowDown", "more-item-1"), ("ArrowDown", "more-item-2"), ("ArrowDown", "more-item-0"),
             ("ArrowUp", "more-item-2"), ("Home", "more-item-0"), ("End", "more-item-2")]
    for key, want in moves:
        h.dom.fire("focusin", h.dom.active_id())
        assert h.dom.fire("keydown", h.dom.active_id(), key=key), key
        assert h.dom.active_id() == want, key
    assert h.dom.fire("keydown", "more-item-2", key="Escape")
    assert h.intents[-1] == Toggle(False)
    h.surface.show(menu_page(False))
    h.frame()
    assert h.dom.active_id() == "more"  # back on the button that opened it


# ---- scrolling a long list: the mirror catches up after the frame ---------------------------------
def test_a_scroll_that_moves_the_mirrored_rows_draws_first_and_updates_the_mirror_in_the_next_task() -> None:
    from openagents_shell.pages import sample

    h = Harness()
    h.surface.show(sample.list_view(1000, 600))
    h.frame()
    h.dom.fire("scroll", "sample-rows", scroll_top=6000.0)
    calls = h.dom.calls
    frame = h.timers.pending.pop(0)
    frame()  # the animation frame: drawn at the new offset, no DOM call
    assert h.dom.calls == calls and h.surface.stats["mirror_updated"] == 0.0
    drawn = [c[3] for c in h.canvas.calls if c[0] == "text" and str(c[3]).startswith("Row ")]
    assert "Row 180: worker run" in drawn
    assert "Row 180: worker run" not in h.dom.root.all_text()
    assert len(h.timers.pending) == 1  # the catch-up task
    h.frame()
    assert "Row 180: worker run" in h.dom.root.all_text() and h.dom.calls > calls
    assert h.surface.frames == 2  # the catch-up drew nothing
