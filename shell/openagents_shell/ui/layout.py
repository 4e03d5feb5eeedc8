"""Flex-style layout: an element tree and a viewport in, a tree of sized boxes out.

Rows and columns with gap, padding, align (cross axis), justify (main axis), wrap, grow/shrink and
min/max sizes, roughly CSS flexbox's rules: a child's basis is its fixed size or its max-content size;
shrinking never goes below min-content (a word never overlaps its neighbour; it wraps instead);
a scroll container's content is laid out with unbounded height and the box clips it.

:class:`Layout` is retained: every box is cached by (element, width, height), and elements compare
by value, so a frame re-lays out only the subtrees whose elements changed (``computed`` counts the
boxes that were not reused). A box's children carry their offsets beside them, so one cached box can
sit at two places in the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from openagents_shell.ui.element import Element, Style
from openagents_shell.ui.text import TextMeasurer, break_lines, max_content_width, min_content_width


@dataclass(frozen=True, slots=True, eq=False)
class Box:
    el: Element
    w: float
    h: float
    children: tuple[tuple[float, float, Box], ...] = ()  # (dx, dy, box) from this box's origin
    lines: tuple[str, ...] = ()  # text leaves
    content_h: float = 0.0  # natural height of the content (scroll containers scroll through it)


def _clamp(value: float, low: float, high: float | None) -> float:
    if high is not None and value > high:
        value = high
    return max(value, low)


class Layout:
    def __init__(self, measurer: TextMeasurer) -> None:
        self.m = measurer
        self._cache: dict[tuple[Element, float, float | None], Box] = {}
        self._used: dict[tuple[Element, float, float | None], Box] = {}
        self._max: dict[Element, float] = {}
        self._min: dict[Element, float] = {}
        self.computed = 0

    def run(self, root: Element, width: float, height: float | None = None) -> Box:
        """Lay out ``root`` at ``width`` (and ``height``, for a viewport-filling root)."""
        self.computed = 0
        self._used = {}
        out = self.box(root, width, height)
        self._cache = self._used  # keep what this frame used: last frame's leftovers are dropped
        if len(self._max) > 20_000:
            self._max.clear()
            self._min.clear()
        return out

    def invalidate_text(self) -> None:
        """Forget every measured size (a web font finished loading)."""
        self.m.clear()
        self._cache.clear()
        self._max.clear()
        self._min.clear()

    # ---- intrinsic widths ---------------------------------------------------------------------
    def max_content(self, el: Element) -> float:
        found = self._max.get(el)
        if found is None:
            s = el.style
            if s.width is not None:
                found = s.width
            elif el.kind == "text":
                found = max_content_width(el.text, el.font, self.m)
            elif s.breakpoint and el.children:  # as wide as the wide variant wants
                found = max(self.max_content(c) for c in el.children)
            else:
                pad = s.padding[1] + s.padding[3]
                kids = [self.max_content(c) for c in el.children]
                if s.direction == "row":
                    found = sum(kids) + s.gap * max(0, len(kids) - 1) + pad
                else:
                    found = max(kids, default=0.0) + pad
            found = _clamp(found, s.min_width, s.max_width)
            self._max[el] = found
        return found

    def min_content(self, el: Element) -> float:
        found = self._min.get(el)
        if found is None:
            s = el.style
            if s.width is not None:
                found = s.width
            elif el.kind == "text":
                found = 0.0 if el.max_lines else min_content_width(el.text, el.font, self.m)
            elif s.breakpoint and el.children:  # the narrow variant is the one shown when space is short
                found = self.min_content(el.children[0])
            else:
                pad = s.padding[1] + s.padding[3]
                kids = [self.min_content(c) for c in el.children]
                if s.direction == "row" and not s.wrap:
                    found = sum(kids) + s.gap * max(0, len(kids) - 1) + pad
                else:
                    found = max(kids, default=0.0) + pad
            found = max(found, s.min_width)
            self._min[el] = found
        return found

    # ---- boxes --------------------------------------------------------------------------------
    def box(self, el: Element, width: float, height: float | None = None) -> Box:
        key = (el, round(width, 2), None if height is None else round(height, 2))
        found = self._used.get(key) or self._cache.get(key)
        if found is None:
            self.computed += 1
            found = self._text(el, width, height) if el.kind == "text" else self._container(el, width, height)
        self._used[key] = found
        return found

    def _text(self, el: Element, width: float, height: float | None) -> Box:
        lines = break_lines(el.text, max(width, 1.0), el.font, self.m, el.max_lines) if el.text else ()
        natural = len(lines) * el.font.line_px
        return Box(el, width, natural if height is None else height, lines=lines, content_h=natural)

    def _container(self, el: Element, width: float, height: float | None) -> Box:
        s = el.style
        top, right, bottom, left = s.padding
        inner_w = max(0.0, width - left - right)
        if height is None and s.height is not None:
            height = s.height
        inner_h = None if height is None or s.scroll else max(0.0, height - top - bottom)
        if s.breakpoint and el.children:
            chosen = pick_variant(el, width)
            b = self.box(chosen, inner_w, inner_h)
            placed, content = [(0.0, 0.0, b)], b.h
        elif s.stack:
            layers = [self.box(c, inner_w, inner_h if inner_h is not None else None) for c in el.children]
            placed, content = [(0.0, 0.0, b) for b in layers], max((b.h for b in layers), default=0.0)
        elif s.direction == "column":
            placed, content = self._column(el, inner_w, inner_h)
        else:
            placed, content = self._row(el, inner_w, inner_h)
        natural = content + top + bottom
        h = _clamp(natural, s.min_height, s.max_height) if height is None else height
        children = tuple((x + left, y + top, b) for x, y, b in placed)
        return Box(el, width, h, children=children, content_h=natural)

    def _child_width(self, child: Element, avail: float, align: str) -> float:
        cs = child.style
        if cs.width is not None:
            w = cs.width
        elif align == "stretch" or cs.center:
            w = avail
        else:
            w = min(avail, self.max_content(child))
        return min(_clamp(w, cs.min_width, cs.max_width), max(avail, cs.min_width))

    def _column(self, el: Element, inner_w: float, inner_h: float | None) -> tuple[list[tuple[float, float, Box]], float]:
        s = el.style
        kids = el.children
        boxes = [self.box(c, self._child_width(c, inner_w, s.align)) for c in kids]
        gaps = s.gap * max(0, len(kids) - 1)
        used = sum(b.h for b in boxes) + gaps
        lead = between = 0.0
        if inner_h is not None:
            free = inner_h - used
            grow = sum(c.style.grow for c in kids)
            if free > 0.01 and grow > 0:
                boxes = [self.box(c, b.w, b.h + free * c.style.grow / grow) if c.style.grow else b
                         for c, b in zip(kids, boxes, strict=True)]
            elif free < -0.01:
                # Only scroll containers give way (their content scrolls); other boxes keep their height.
                weights = [c.style.shrink * b.h if c.style.scroll else 0.0 for c, b in zip(kids, boxes, strict=True)]
                total = sum(weights)
                if total > 0:
                    boxes = [self.box(c, b.w, max(c.style.min_height, b.h + free * wt / total)) if wt else b
                             for c, b, wt in zip(kids, boxes, weights, strict=True)]
            elif free > 0.01:
                lead, between = _justify(s.justify, free, len(kids))
            used = sum(b.h for b in boxes) + gaps
        placed = []
        y = lead
        for c, b in zip(kids, boxes, strict=True):
            placed.append((_cross_offset(s.align, c.style, inner_w, b.w), y, b))
            y += b.h + s.gap + between
        return placed, used

    def _row(self, el: Element, inner_w: float, inner_h: float | None) -> tuple[list[tuple[float, float, Box]], float]:
        s = el.style
        kids = list(el.children)
        basis = [min(self.max_content(c), max(inner_w, c.style.min_width)) if s.wrap else self.max_content(c)
                 for c in kids]
        lines: list[list[int]] = [[]]
        if s.wrap:
            x = 0.0
            for i, w in enumerate(basis):
                if lines[-1] and x + s.gap + w > inner_w + 0.01:
                    lines.append([])
                    x = 0.0
                x += (s.gap if lines[-1] else 0.0) + w
                lines[-1].append(i)
        else:
            lines = [list(range(len(kids)))]
        placed: list[tuple[float, float, Box]] = []
        y = 0.0
        for n, line in enumerate(lines):
            widths = _flex(kids, line, basis, inner_w - s.gap * max(0, len(line) - 1), self.min_content)
            boxes = [self.box(kids[i], w, kids[i].style.height) for i, w in zip(line, widths, strict=True)]
            cross = max((b.h for b in boxes), default=0.0)
            if inner_h is not None and len(lines) == 1:
                cross = max(cross, inner_h)
            if s.align == "stretch":
                boxes = [self.box(kids[i], b.w, cross) if kids[i].kind == "box" and b.h < cross
                         and kids[i].style.height is None else b for i, b in zip(line, boxes, strict=True)]
            free = inner_w - sum(b.w for b in boxes) - s.gap * max(0, len(line) - 1)
            lead, between = _justify(s.justify, free, len(line)) if free > 0.01 else (0.0, 0.0)
            x = lead
            for b in boxes:
                dy = {"center": (cross - b.h) / 2, "end": cross - b.h}.get(s.align, 0.0)
                placed.append((x, y + dy, b))
                x += b.w + s.gap + between
            y += cross + (s.gap if n < len(lines) - 1 else 0.0)
        return placed, y


def pick_variant(el: Element, width: float) -> Element:
    """A breakpoint box's child for ``width``: the narrow one (first) below ``breakpoint``, else the wide one."""
    kids = el.children
    return kids[-1] if width >= el.style.breakpoint else kids[0]


def _flex(kids: list[Element], line: list[int], basis: list[float], avail: float,
          min_content: object) -> list[float]:
    """Grow or shrink the line's bases to ``avail`` (shrinking stops at each child's min-content)."""
    widths = [basis[i] for i in line]
    free = avail - sum(widths)
    if free > 0.01:
        grow = sum(kids[i].style.grow for i in line)
        if grow > 0:
            widths = [_clamp(w + free * kids[i].style.grow / grow, kids[i].style.min_width, kids[i].style.max_width)
                      for i, w in zip(line, widths, strict=True)]
    elif free < -0.01:
        floors = [min_content(kids[i]) for i in line]  # type: ignore[operator]
        for _ in range(3):  # redistribute what clamped children could not give
            weights = [kids[i].style.shrink * w if w > f + 0.01 else 0.0
                       for i, w, f in zip(line, widths, floors, strict=True)]
            total = sum(weights)
            free = avail - sum(widths)
            if free >= -0.01 or total <= 0:
                break
            widths = [max(f, w + free * wt / total) for w, f, wt in zip(widths, floors, weights, strict=True)]
    return widths


def _justify(justify: str, free: float, count: int) -> tuple[float, float]:
    """(offset of the first child, extra space between children) for the leftover main-axis space."""
    if justify == "center":
        return free / 2, 0.0
    if justify == "end":
        return free, 0.0
    if justify == "between" and count > 1:
        return 0.0, free / (count - 1)
    return 0.0, 0.0


def _cross_offset(align: str, child: Style, avail: float, used: float) -> float:
    if child.center or align == "center":
        return max(0.0, (avail - used) / 2)
    if align == "end":
        return max(0.0, avail - used)
    return 0.0
