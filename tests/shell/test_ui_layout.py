"""Flex layout under CPython: rows, columns, wrap, grow/shrink, min/max, scroll, reuse of unchanged subtrees."""

from __future__ import annotations

from openagents_shell.ui.element import Element, Font, Style, box, text
from openagents_shell.ui.layout import Box, Layout
from openagents_shell.ui.text import TextMeasurer, approximate_width

FONT = Font(10, line_height=2.0)  # 5.5 px a character, 20 px lines


def layout() -> Layout:
    return Layout(TextMeasurer(approximate_width))


def fixed(w: float, h: float, **kw: object) -> Element:
    return box(style=Style(width=w, height=h, **kw))  # type: ignore[arg-type]


def places(b: Box) -> list[tuple[float, float, float, float]]:
    return [(x, y, c.w, c.h) for x, y, c in b.children]


def test_a_column_stacks_children_with_gap_and_padding() -> None:
    root = box(fixed(50, 10), fixed(50, 20), style=Style(gap=5, padding=(1, 2, 3, 4), align="start"))
    b = layout().run(root, 200)
    assert places(b) == [(4, 1, 50, 10), (4, 16, 50, 20)]
    assert (b.w, b.h) == (200, 1 + 10 + 5 + 20 + 3)


def test_a_row_aligns_and_justifies() -> None:
    root = box(fixed(20, 10), fixed(30, 30), style=Style(direction="row", align="center", justify="between"))
    assert places(layout().run(root, 100)) == [(0, 10, 20, 10), (70, 0, 30, 30)]


def test_grow_shares_the_free_space_by_weight() -> None:
    root = box(box(style=Style(grow=1)), box(style=Style(grow=3)), style=Style(direction="row"))
    assert [w for _, _, w, _ in places(layout().run(root, 400))] == [100, 300]


def test_shrinking_stops_at_min_content_so_words_wrap_instead_of_overlapping() -> None:
    long = text("alpha beta gamma delta", font=FONT)
    root = box(long, text("omega", font=FONT), style=Style(direction="row", gap=10))
    b = layout().run(root, 100)
    (x1, _, w1, h1), (x2, _, w2, _) = places(b)
    assert x1 + w1 + 10 <= x2 + 0.01  # no overlap
    assert w2 >= 5 * 5.5 - 0.01  # "omega" keeps its width
    assert h1 > 20  # the long text wrapped


def test_wrapping_rows_move_children_to_the_next_line() -> None:
    root = box(*(fixed(40, 10) for _ in range(5)), style=Style(direction="row", wrap=True, gap=10))
    b = layout().run(root, 150)
    assert [(x, y) for x, y, _, _ in places(b)] == [(0, 0), (50, 0), (100, 0), (0, 20), (50, 20)]
    assert b.h == 30


def test_min_and_max_width_clamp_a_stretched_child_and_center_places_it() -> None:
    root = box(box(style=Style(max_width=300, center=True, height=5)), box(style=Style(min_width=50, width=20)))
    b = layout().run(root, 1000)
    assert places(b)[0] == (350, 0, 300, 5)
    assert places(b)[1][2] == 50


def test_a_scroll_container_takes_the_space_left_and_keeps_its_content_height() -> None:
    content = box(*(fixed(10, 100) for _ in range(10)), style=Style(scroll=True, grow=1))
    root = box(fixed(10, 50), content)
    b = layout().run(root, 300, 400)
    _, y, _, h = places(b)[1]
    assert (y, h) == (50, 350)
    assert b.children[1][2].content_h == 1000


def test_only_changed_subtrees_are_laid_out_again() -> None:
    lay = layout()

    def page(title: str) -> Element:
        items = [box(text(f"row {i}", font=FONT), style=Style(padding=(2, 2, 2, 2))) for i in range(100)]
        return box(text(title, font=FONT), box(*items, style=Style(gap=2)))

    lay.run(page("one"), 800)
    assert lay.computed > 200
    lay.run(page("two"), 800)
    assert lay.computed <= 3  # the root, the new title; the 100-row list is reused
    lay.run(page("two"), 800)
    assert lay.computed == 0


def test_a_narrow_viewport_wraps_text_instead_of_widening_the_page() -> None:
    para = text("a paragraph that is much longer than a phone is wide " * 3, font=FONT)
    for width in (1280, 375, 360):
        b = layout().run(box(para, style=Style(padding=(0, 16, 0, 16))), width)
        assert all(x + c.w <= width for x, _, c in b.children)
