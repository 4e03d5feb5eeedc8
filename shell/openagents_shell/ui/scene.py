"""One walk over the laid-out boxes: the display list (what is drawn, scrolled and clipped) and the
semantics tree (what the accessible mirror shows, in layout coordinates: the mirror scrolls itself).

Scroll containers clip their content; children outside the clip are not drawn. A scroll container
with more than :data:`VIRTUAL_MIN` children is virtualised in the mirror too: only children within
one viewport above and below the visible part get DOM elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openagents_shell.ui.display import Clip, Op, PopClip, Rect, TextRun
from openagents_shell.ui.element import Element
from openagents_shell.ui.layout import Box
from openagents_shell.ui.semantics import SemNode, control_text, describe
from openagents_shell.ui.theme import Theme

VIRTUAL_MIN = 60
FOCUS_RING = 2.0


@dataclass(slots=True)
class Scene:
    ops: list[Op]
    root: SemNode
    nodes: dict[str, SemNode]
    parents: dict[str, str]  # node id -> parent node id
    modal: str | None = None  # the open modal dialog's node id (the rest of the page is inert)
    windows: tuple[tuple[str, float], ...] = ()  # virtualised lists: (node id, first mirrored offset)
    semantics: bool = True  # False: a paint-only walk (``root`` and ``nodes`` are incomplete)

    def ancestors(self, nid: str | None) -> list[str]:
        out = []
        while nid is not None:
            out.append(nid)
            nid = self.parents.get(nid)
        return out

    def focusables(self, within: str) -> list[str]:
        """Ids of the controls inside node ``within``, in Tab order (tree order = visual order)."""
        return [n.id for n in self.nodes[within].walk() if n.el.interactive and n.id != within]


def _has_node(el: Element, in_control: bool) -> bool:
    if in_control:
        return False
    return el.sem is not None or el.interactive or el.key is not None or el.style.scroll or el.kind == "text"


_DESCRIBED: dict[Element, tuple[str, dict[str, str]]] = {}
_NO_ATTRS: dict[str, str] = {}


def _describe(el: Element) -> tuple[str, dict[str, str]]:
    found = _DESCRIBED.get(el)
    if found is None:
        if len(_DESCRIBED) > 20_000:
            _DESCRIBED.clear()
        tag, attrs = describe(el)
        if el.key:
            attrs["id"] = el.key  # keys are unique on a page: tests and in-page links can name them
        found = _DESCRIBED[el] = (tag, attrs)
    return found


class _Walk:
    def __init__(self, theme: Theme, scroll: Mapping[str, float], focus: str | None,
                 width: float, height: float, text_width: object, semantics: bool = True) -> None:
        self.sem = semantics
        self.windows: list[tuple[str, float]] = []
        self.theme = theme
        self.scroll = scroll
        self.focus = focus
        self.ops: list[Op] = []
        self.nodes: dict[str, SemNode] = {}
        self.parents: dict[str, str] = {}
        self.modal: str | None = None
        self.clip = (0.0, 0.0, width, height)
        self.text_width = text_width
        self.origin: dict[str, tuple[float, float]] = {"root": (0.0, 0.0)}  # each node's layout origin

    def visible(self, x: float, y: float, w: float, h: float) -> bool:
        cx, cy, cw, ch = self.clip
        return x < cx + cw and x + w > cx and y < cy + ch and y + h > cy

    def paint_box(self, el: Element, x: float, y: float, w: float, h: float) -> None:
        s = el.style
        color = self.theme.color
        if el.field is not None:  # a text field's frame; its text is the real <input>'s
            self.ops.append(Rect(x, y, w, h, color(s.background or "surface"), color(s.border or "border"),
                                 s.border_width or 1.0, s.radius))
            return
        if s.background or s.border or s.shadow:
            self.ops.append(Rect(x, y, w, h, color(s.background), color(s.border), s.border_width, s.radius,
                                 s.shadow, color("shadow") if s.shadow else None))

    def paint_text(self, box: Box, x: float, y: float) -> None:
        el = box.el
        lh = el.font.line_px
        color = self.theme.color(el.color) or "#000"
        for i, line in enumerate(box.lines):
            ly = y + i * lh
            if line and self.visible(x, ly, box.w, lh):
                self.ops.append(TextRun(x, ly, self.text_width(line, el.font), lh, line, el.font.css,  # type: ignore[operator]
                                        el.font.size, color))

    def walk(self, box: Box, lx: float, ly: float, px: float, py: float, parent: SemNode,
             counters: dict[str, int], in_control: bool, paint: bool) -> None:
        el = box.el
        node = parent
        if _has_node(el, in_control):
            tag, attrs = _describe(el)
            n = counters.get(tag, 0)
            counters[tag] = n + 1
            nid = el.key or f"{parent.id}/{tag}{n}"
            if not self.sem:  # paint-only: ids for scroll offsets and the focus ring, nothing else
                node = SemNode(nid, tag, _NO_ATTRS, 0.0, 0.0, box.w, box.h, el)
                if el.sem is not None and el.sem.modal:
                    self.modal = nid
                return self._descend(box, node, parent, counters, lx, ly, px, py, in_control, paint)
            ox, oy = self.origin[parent.id]
            node = SemNode(nid, tag, dict(attrs), lx - ox, ly - oy, box.w, box.h, el)
            self.origin[nid] = (lx, ly)
            if el.kind == "text":
                node.text = "\n".join(box.lines)
                node.font, node.line_px = el.font.css, el.font.line_px
            elif el.href is not None or el.on_press is not None:
                node.text = control_text(el)
            parent.children.append(node)
            self.nodes[nid] = node
            self.parents[nid] = parent.id
            if el.sem is not None and el.sem.modal:
                self.modal = nid
        self._descend(box, node, parent, counters, lx, ly, px, py, in_control, paint)

    def _descend(self, box: Box, node: SemNode, parent: SemNode, counters: dict[str, int], lx: float, ly: float,
                 px: float, py: float, in_control: bool, paint: bool) -> None:
        el = box.el
        paint = paint and self.visible(px, py, box.w, box.h)
        if not paint and not self.sem:
            return
        if paint:
            self.paint_box(el, px, py, box.w, box.h)
            if el.kind == "text" and el.field is None:
                self.paint_text(box, px, py)
        control = in_control or el.href is not None or el.on_press is not None
        if el.field is None and box.children:
            kids: dict[str, int] = {} if node is not parent else counters
            if el.style.scroll:
                node.scroll_h = box.content_h
                off = self.scroll.get(node.id, 0.0)
                saved = self.clip
                self.clip = _intersect(self.clip, (px, py, box.w, box.h))
                if paint:
                    self.ops.append(Clip(px, py, box.w, box.h))
                virtual = len(box.children) > VIRTUAL_MIN
                # Mirrored rows: from one viewport above to one below, in half-viewport steps, so most
                # scroll frames mirror the same rows (and skip the mirror update altogether).
                step = max(box.h / 2, 1.0)
                lo = (off // step) * step - box.h
                hi = lo + 3 * box.h + step
                if virtual:
                    self.windows.append((node.id, lo))
                for dx, dy, child in box.children:
                    if virtual and not (lo <= dy + child.h and dy <= hi):
                        continue
                    self.walk(child, lx + dx, ly + dy, px + dx, py + dy - off, node, kids, control, paint)
                if paint:
                    self.ops.append(PopClip())
                self.clip = saved
            else:
                for dx, dy, child in box.children:
                    self.walk(child, lx + dx, ly + dy, px + dx, py + dy, node, kids, control, paint)
        if paint and node is not parent and node.id == self.focus:
            r = FOCUS_RING
            self.ops.append(Rect(px - r, py - r, box.w + 2 * r, box.h + 2 * r, None, self.theme.color("focus"),
                                 r, el.style.radius + r))


def _intersect(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, y = max(a[0], b[0]), max(a[1], b[1])
    return (x, y, max(0.0, min(a[0] + a[2], b[0] + b[2]) - x), max(0.0, min(a[1] + a[3], b[1] + b[3]) - y))


def build(root: Box, theme: Theme, *, width: float, height: float, text_width: object,
          scroll: Mapping[str, float] | None = None, focus: str | None = None, semantics: bool = True) -> Scene:
    """The display list (background first) and the semantics tree of a laid-out root.

    ``text_width(line, font) -> px`` measures a line for its run (the measurer's cached width).
    ``semantics=False`` only paints (a scroll or focus frame whose mirror is unchanged): cheaper.
    """
    w = _Walk(theme, scroll or {}, focus, width, height, text_width, semantics)
    w.ops.append(Rect(0.0, 0.0, width, height, theme.color("bg")))
    sem_root = SemNode("root", "div", {}, 0.0, 0.0, width, height, root.el)
    w.nodes["root"] = sem_root
    w.walk(root, 0.0, 0.0, 0.0, 0.0, sem_root, {}, False, True)
    out = Scene(w.ops, sem_root, w.nodes, w.parents, w.modal, tuple(w.windows), semantics)
    if out.modal is not None:  # everything beside the dialog's branch is inert: no focus, no clicks
        path = set(out.ancestors(out.modal))
        for nid in path - {out.modal}:
            for child in out.nodes[nid].children:
                if child.id not in path:
                    child.attrs["inert"] = ""
    return out
