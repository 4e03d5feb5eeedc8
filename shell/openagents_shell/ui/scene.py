"""One walk over the laid-out boxes: the display list (what is drawn, scrolled and clipped) and the
semantics tree (what the accessible mirror shows, in layout coordinates: the mirror scrolls itself).

Scroll containers clip their content; children outside the clip are not drawn. A scroll container
with more than :data:`VIRTUAL_MIN` children is virtualised in the mirror too: only children within
one viewport above and below the visible part get DOM elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openagents_shell.ui.display import Clip, Image, Op, PopClip, Rect, TextRun
from openagents_shell.ui.element import Element, Font
from openagents_shell.ui.layout import Box
from openagents_shell.ui.semantics import SemNode, control_text, describe
from openagents_shell.ui.theme import Theme

VIRTUAL_MIN = 60
FOCUS_RING = 2.0
CHEVRON = "\u25be"  # drawn at a select's right edge


@dataclass(slots=True)
class Scene:
    ops: list[Op]
    root: SemNode
    nodes: dict[str, SemNode]
    parents: dict[str, str]  # node id -> parent node id
    modal: str | None = None  # the open modal dialog's node id (the rest of the page is inert)
    windows: tuple[tuple[str, float], ...] = ()  # virtualised lists: (node id, first mirrored offset)
    semantics: bool = True  # False: a paint-only walk (``root`` and ``nodes`` are incomplete)
    sticky: tuple[tuple[str, float], ...] = ()  # stuck nodes: (node id, how far the scroll pushed it down)
    watched: tuple[str, ...] = ()  # scroll containers with an ``on_scroll`` (their edges are reported)

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
    s = el.style
    return el.sem is not None or el.interactive or el.key is not None or s.scroll or s.sticky or el.kind == "text" \
        or el.src is not None


def _is_code(el: Element) -> bool:
    """Highlighted code (``components.code_block``): rows of coloured runs, mirrored as one ``role=code``
    text (so selection, Ctrl+F and screen readers get the code, not a node per token)."""
    return el.sem is not None and el.sem.role == "code" and el.kind == "box"


def _code_text(el: Element) -> tuple[str, Font]:
    rows = ["".join(run.text for run in row.children).replace("\u00a0", " ") for row in el.children]
    first = next((run for row in el.children for run in row.children), None)
    return "\n".join(rows), first.font if first is not None else Font()


#: describe() by what it reads (not the element: an element key compares whole subtrees on every hit).
_DESCRIBED: dict[tuple[object, ...], tuple[str, dict[str, str]]] = {}
_NO_ATTRS: dict[str, str] = {}


def _describe(el: Element) -> tuple[str, dict[str, str]]:
    key = (el.kind, el.sem, el.field, el.href, el.on_press is not None, el.style.scroll, el.key)
    found = _DESCRIBED.get(key)
    if found is None:
        if len(_DESCRIBED) > 20_000:
            _DESCRIBED.clear()
        tag, attrs = describe(el)
        if el.key:
            attrs["id"] = el.key  # keys are unique on a page: tests and in-page links can name them
        found = _DESCRIBED[key] = (tag, attrs)
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
        self.scrollport: float | None = None  # top of the nearest scroll container (paint coordinates)
        self.sticky: list[tuple[str, float]] = []
        self.watched: list[str] = []
        self._shift: float | None = None  # the sticky offset of the node walk() is about to create

    def visible(self, x: float, y: float, w: float, h: float) -> bool:
        cx, cy, cw, ch = self.clip
        return x < cx + cw and x + w > cx and y < cy + ch and y + h > cy

    def paint_box(self, el: Element, x: float, y: float, w: float, h: float) -> None:
        s = el.style
        color = self.theme.color
        if el.field is not None:  # a text field's frame; its text is the real <input>'s
            self.ops.append(Rect(x, y, w, h, color(s.background or "surface"), color(s.border or "border"),
                                 s.border_width or 1.0, s.radius))
            if el.field.options:  # a select's chevron (its chosen label is the real <select>'s)
                font = el.font
                cw = self.text_width(CHEVRON, font)  # type: ignore[operator]
                self.ops.append(TextRun(x + w - s.padding[1] - cw, y + (h - font.line_px) / 2, cw, font.line_px,
                                        CHEVRON, font.css, font.size, color("muted") or "#000"))
            return
        if s.background or s.border or s.shadow:
            self.ops.append(Rect(x, y, w, h, color(s.background), color(s.border), s.border_width, s.radius,
                                 s.shadow, color("shadow") if s.shadow else None))
        if el.src is not None:
            self.ops.append(Image(x, y, w, h, el.src, s.radius))

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
            if self._shift is not None:
                self.sticky.append((nid, self._shift))
                self._shift = None
            if not self.sem:  # paint-only: ids for scroll offsets and the focus ring, nothing else
                node = SemNode(nid, tag, _NO_ATTRS, 0.0, 0.0, box.w, box.h, el)
                if el.sem is not None and el.sem.modal:
                    self.modal = nid
                return self._descend(box, node, parent, counters, lx, ly, px, py, in_control, paint)
            ox, oy = self.origin[parent.id]
            node = SemNode(nid, tag, dict(attrs), lx - ox, ly - oy, box.w, box.h, el)
            if self.sticky and self.sticky[-1][0] == nid:
                node.sticky_shift = self.sticky[-1][1]
            self.origin[nid] = (lx, ly)
            if el.kind == "text":
                node.text = "\n".join(box.lines)
                node.font, node.line_px = el.font.css, el.font.line_px
            elif el.href is not None or el.on_press is not None:
                node.text = control_text(el)
            elif _is_code(el):
                node.text, font = _code_text(el)
                node.font, node.line_px = font.css, font.line_px
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
        control = in_control or el.href is not None or el.on_press is not None or _is_code(el)
        if el.field is None and box.children:
            kids: dict[str, int] = {} if node is not parent else counters
            if el.style.scroll:
                node.scroll_h = box.content_h
                if el.on_scroll is not None and node is not parent:
                    self.watched.append(node.id)
                off = self.scroll.get(node.id, 0.0)
                saved, saved_port = self.clip, self.scrollport
                self.clip = _intersect(self.clip, (px, py, box.w, box.h))
                self.scrollport = py
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
                bottom = py - off + box.content_h - el.style.padding[2]
                self._children(box, node, kids, lx, ly, px, py - off, bottom, control, paint,
                               (lo, hi) if virtual else None)
                if paint:
                    self.ops.append(PopClip())
                self.clip, self.scrollport = saved, saved_port
            else:
                self._children(box, node, kids, lx, ly, px, py, py + box.h - el.style.padding[2], control, paint,
                               None)
        if paint and node is not parent and node.id == self.focus:
            r = FOCUS_RING
            self.ops.append(Rect(px - r, py - r, box.w + 2 * r, box.h + 2 * r, None, self.theme.color("focus"),
                                 r, el.style.radius + r))

    def _children(self, box: Box, node: SemNode, kids: dict[str, int], lx: float, ly: float, px: float, py: float,
                  bottom: float, control: bool, paint: bool, window: tuple[float, float] | None) -> None:
        """Walk a box's children (``py``: the content's top, scrolled). A sticky child is pushed down to
        the scrollport's top while ``bottom`` (its parent's content end) leaves room, and painted over its
        siblings; its mirror node moves with it."""
        late: list[Op] = []
        for dx, dy, child in box.children:
            sticky = child.el.style.sticky and self.scrollport is not None
            if window is not None and not sticky and not (window[0] <= dy + child.h and dy <= window[1]):
                continue
            if not sticky:
                self.walk(child, lx + dx, ly + dy, px + dx, py + dy, node, kids, control, paint)
                continue
            top = py + dy
            shift = max(0.0, min(self.scrollport - top, bottom - child.h - top))  # type: ignore[operator]
            ops, self.ops = self.ops, []
            self._shift = shift
            self.walk(child, lx + dx, ly + dy + shift, px + dx, top + shift, node, kids, control, paint)
            self._shift = None
            late += self.ops
            self.ops = ops
        self.ops += late


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
    out = Scene(w.ops, sem_root, w.nodes, w.parents, w.modal, tuple(w.windows), semantics, tuple(w.sticky),
                tuple(w.watched))
    if out.modal is not None:  # everything beside the dialog's branch is inert: no focus, no clicks
        path = set(out.ancestors(out.modal))
        for nid in path - {out.modal}:
            for child in out.nodes[nid].children:
                if child.id not in path:
                    child.attrs["inert"] = ""
    return out
