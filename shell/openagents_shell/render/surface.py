"""The Surface: a view tree in, a drawn frame and an up-to-date mirror out; DOM events back as intents.

``show(tree, attrs)`` stores the page's latest element tree and asks for a frame; frames are drawn in
``requestAnimationFrame`` only when something changed (the tree, the viewport, the theme, scrolling or
focus), never in a loop. Layout is skipped when only scroll or focus changed, and so is the mirror: when
a scroll moves a virtualised list's mirrored window, the frame is drawn at once and the mirror catches
up in a task of its own right after it (``Timers.later``), off the frame's critical path. The window
reaches a viewport beyond the visible rows, so the rows coming into view are mirrored before they show.

Events come from the mirror (one delegated listener per type): a click on a button dispatches its
``on_press`` intent, a plain click on a same-origin link calls ``navigate(href)`` (modified clicks keep
the browser's behaviour), an edit calls the field's ``on_input``, Escape dispatches the nearest
``on_dismiss``, Tab stays inside an open modal dialog, arrow keys move between tabs and menu items.

A scroll container with ``on_scroll`` (an infinite list) reports its *edge* — ``top``, ``middle``,
``end`` (within one viewport of the bottom) or ``both`` (a short list: top and end) — when a scroll or a
new layout moves it to another edge, and the same edge again when its content grew while the reader
stayed near the end (the next page was too short to leave it). The intents are dispatched in a task of their own (``Timers.later``), never inside a
frame. ``scroll_to(key, top)`` scrolls a keyed container (the "N new" pill's jump to the top).

Menus follow the WAI-ARIA menu button pattern: when a menu opens while its button has focus, focus moves
to its first item; Up/Down (wrapping), Home and End move between items; Escape closes it and gives focus
back to the button. Sticky headers move on paint-only (scroll) frames: their mirror element follows
with one style write, the rest of the mirror is untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from openagents_shell.host.base import Dom, DomEvent, Timers
from openagents_shell.render.mirror import Mirror
from openagents_shell.ui import scene as scene_mod
from openagents_shell.ui.display import Op
from openagents_shell.ui.element import Element
from openagents_shell.ui.intents import Copy
from openagents_shell.ui.layout import Box, Layout
from openagents_shell.ui.text import TextMeasurer
from openagents_shell.ui.theme import LIGHT, Theme


class Backend(Protocol):
    name: str

    def resize(self, width: float, height: float, dpr: float) -> None: ...
    def draw(self, ops: list[Op]) -> None: ...


#: How close to the top still counts as "at the top" (CSS px).
TOP_SLACK = 8.0


def scroll_edge(top: float, view_h: float, content_h: float) -> str:
    """Where a scroll container is: ``top``, ``end`` (within one viewport of the bottom), ``both`` (at
    the top, and the content is short enough that the end is near too) or ``middle``."""
    at_top = top <= TOP_SLACK
    near_end = top + view_h >= content_h - view_h
    return ("both" if near_end else "top") if at_top else ("end" if near_end else "middle")


_ARROWS = {"tab": ("ArrowLeft", "ArrowRight"), "menuitem": ("ArrowUp", "ArrowDown")}
_ENDS = {"menuitem": ("Home", "End")}


class Surface:
    def __init__(self, *, dom: Dom, mirror_root: Any, backend: Backend, timers: Timers, measurer: TextMeasurer,
                 dispatch: Callable[[Any], None], navigate: Callable[[str], None],
                 copy: Callable[[str], None] = lambda _t: None,
                 on_scroll: Callable[[str, float, float], None] | None = None) -> None:
        self.dom = dom
        self.backend = backend
        self.timers = timers
        self.measurer = measurer
        self.layout = Layout(measurer)
        self.mirror = Mirror(dom, mirror_root)
        self.dispatch = dispatch
        self.navigate = navigate
        self.copy = copy
        #: told ``(node id, scroll top, largest scroll top)`` when the person scrolls a container
        self.on_scroll = on_scroll
        self._pins: set[str] = set()  # scroll containers to show at their end on the next frame
        self.theme: Theme = LIGHT
        self.tree: Element | None = None
        self.attrs: dict[str, str] = {}
        self.width, self.height, self.dpr = 0.0, 0.0, 1.0  # until set_viewport (which sizes the backend)
        self.scroll: dict[str, float] = {}
        self.focus: str | None = None
        self.box: Box | None = None
        self.scene: scene_mod.Scene | None = None
        self._layout_dirty = True
        self._paint_dirty = True
        self._sem_dirty = True
        self._scheduled = False
        self._catch_up = False  # a mirror update is scheduled (a scroll moved a virtualised window)
        self._restore_focus: str | None = None
        self._focus_next: str | None = None  # focus this node after the next frame (a closed menu's button)
        self._edges: dict[str, tuple[str, float]] = {}  # watched container -> (edge, content height) last told
        self.frames = 0
        self.stats: dict[str, float] = {}
        self.history: list[tuple[float, float, float]] = []  # (end time, python ms, draw ms), last 600 frames
        dom.listen(mirror_root, self.on_event)

    # ---- inputs that change what is drawn ------------------------------------------------------
    def show(self, tree: Element, attrs: dict[str, str] | None = None) -> None:
        if attrs is not None and attrs != self.attrs:
            self.attrs = attrs
            self._paint_dirty = self._sem_dirty = True
        if tree != self.tree:
            self.tree = tree
            self._layout_dirty = True
        self.invalidate()

    def set_viewport(self, width: float, height: float, dpr: float) -> None:
        if (width, height, dpr) != (self.width, self.height, self.dpr):
            self.width, self.height, self.dpr = width, height, dpr
            self.backend.resize(width, height, dpr)
            self._layout_dirty = True
            self.invalidate()

    def set_theme(self, theme: Theme) -> None:
        if theme is not self.theme:
            self.theme = theme
            self._paint_dirty = True
            self.invalidate()

    def set_backend(self, backend: Backend) -> None:
        """Switch backends (device loss) and redraw the same state."""
        self.backend = backend
        backend.resize(self.width, self.height, self.dpr)
        self._paint_dirty = True
        self.invalidate()

    def repaint(self) -> None:
        """Draw again with the same layout (an image finished loading)."""
        self._paint_dirty = True
        self.invalidate()

    def fonts_changed(self) -> None:
        self.layout.invalidate_text()
        self._layout_dirty = True
        self.invalidate()

    def follow_end(self, nid: str) -> None:
        """Show scroll container ``nid`` scrolled to its end on the next frame (after the new content is
        laid out): a chat transcript following a streamed reply."""
        self._pins.add(nid)
        self._paint_dirty = True
        self.invalidate()

    def _pin(self) -> list[tuple[str, float]]:
        """Scroll offsets of the pinned containers: each at its end in the current layout."""
        if not self._pins or self.box is None:
            return []
        found: list[tuple[str, float]] = []
        stack = [self.box]
        while stack:
            box = stack.pop()
            key = box.el.key
            if key in self._pins and box.el.style.scroll:
                found.append((key, max(0.0, box.content_h - box.h)))  # type: ignore[arg-type]
            stack.extend(b for _x, _y, b in box.children)
        self._pins.clear()
        for nid, top in found:
            self.scroll[nid] = top
        return found

    @property
    def dirty(self) -> bool:
        return self._layout_dirty or self._paint_dirty

    def invalidate(self) -> None:
        if self.dirty and not self._scheduled:
            self._scheduled = True
            self.timers.request_frame(self._on_frame)

    def _on_frame(self) -> None:
        self._scheduled = False
        self.frame()

    # ---- a frame ---------------------------------------------------------------------------
    def frame(self) -> None:
        """Lay out (if needed), rebuild the display list and the mirror, draw. No-op when clean."""
        if self.tree is None or not self.dirty:
            return
        t0 = self.timers.now()
        laid_out = 0
        if self._layout_dirty or self.box is None:
            self.box = self.layout.run(self.tree, self.width, self.height)
            laid_out = self.layout.computed
        pinned = self._pin()
        t1 = self.timers.now()
        had_modal = self.scene.modal if self.scene is not None else None
        old = self.scene
        scene = None
        if not (self._sem_dirty or laid_out or self.scene is None):
            # Only scroll or focus changed: paint, and keep the mirror unless a list's mirrored rows moved.
            scene = scene_mod.build(self.box, self.theme, width=self.width, height=self.height,
                                    text_width=self.measurer.width, scroll=self.scroll, focus=self.focus,
                                    semantics=False)
            if scene.windows != self.scene.windows and not self._catch_up:
                self._catch_up = True
                self.timers.later(self._mirror_catch_up)
        if scene is None:
            scene = self.scene = scene_mod.build(self.box, self.theme, width=self.width, height=self.height,
                                                 text_width=self.measurer.width, scroll=self.scroll,
                                                 focus=self.focus)
            self.mirror.update(scene.root, self.attrs)
            self._sem_dirty = False
        else:
            self._move_sticky(scene)
            self.scene.ops = scene.ops
        for nid, top in pinned:  # the browser's scroll position follows (its scroll event is then a no-op)
            handle = self.mirror.handle(nid)
            if handle is not None:
                self.dom.set_scroll_top(handle, top)
        t2 = self.timers.now()
        self.backend.draw(scene.ops)
        t3 = self.timers.now()
        self._layout_dirty = self._paint_dirty = False
        self.frames += 1
        self.stats = {"layout_ms": t1 - t0, "scene_mirror_ms": t2 - t1, "draw_ms": t3 - t2,
                      "boxes_laid_out": float(laid_out), "ops": float(len(scene.ops)),
                      "mirror_updated": float(scene is self.scene)}
        self.history.append((t3, t2 - t0, t3 - t2))
        del self.history[:-600]
        self._modal_focus(had_modal)
        if scene is self.scene:
            self._menu_focus(old)
            self._report_edges()

    def scroll_to(self, key: str, top: float) -> None:
        """Scroll the keyed scroll container to ``top`` (the mirror element scrolls; the canvas follows)."""
        handle = self.mirror.handle(key)
        if handle is not None:
            self.dom.set_scroll_top(handle, top)
        if self.scroll.get(key, 0.0) != top:
            self.scroll[key] = top
            self._paint_dirty = True
            self.invalidate()
        self._report_edges()

    def _report_edges(self) -> None:
        """Tell watched scroll containers' ``on_scroll`` where they are, when that changed."""
        s = self.scene
        if s is None:
            return
        for nid in s.watched:
            node = s.nodes.get(nid)
            if node is None or node.el.on_scroll is None:
                continue
            content = node.scroll_h or 0.0
            edge = scroll_edge(self.scroll.get(nid, 0.0), node.h, content)
            last = self._edges.get(nid)
            if last is not None and last[0] == edge and (edge not in ("end", "both") or content <= last[1]):
                continue
            self._edges[nid] = (edge, content)
            intent = node.el.on_scroll(edge)
            self.timers.later(lambda intent=intent: self.dispatch(intent))

    def _mirror_catch_up(self) -> None:
        """The mirror follows a scroll that moved a virtualised window (a task after the drawn frame)."""
        self._catch_up = False
        if self.box is None or self.scene is None or self._layout_dirty or self._sem_dirty:
            return  # a full frame is coming: it updates the mirror itself
        t0 = self.timers.now()
        had_modal = self.scene.modal
        self.scene = scene_mod.build(self.box, self.theme, width=self.width, height=self.height,
                                     text_width=self.measurer.width, scroll=self.scroll, focus=self.focus)
        self.mirror.update(self.scene.root, self.attrs)
        self.stats["mirror_catch_up_ms"] = self.timers.now() - t0
        self._modal_focus(had_modal)

    def _move_sticky(self, paint: scene_mod.Scene) -> None:
        """A paint-only frame moved sticky headers: move their mirror elements (one style write each)."""
        s = self.scene
        assert s is not None
        if paint.sticky == s.sticky:
            return
        for nid, shift in paint.sticky:
            node = s.nodes.get(nid)
            if node is not None and node.sticky_shift != shift:
                node.y += shift - node.sticky_shift
                node.sticky_shift = shift
                self.mirror.restyle(node)
        s.sticky = paint.sticky

    def _menu_focus(self, old: scene_mod.Scene | None) -> None:
        s = self.scene
        assert s is not None
        if self._focus_next is not None:
            nid, self._focus_next = self._focus_next, None
            if nid in s.nodes:
                self._focus(nid)
            return
        if self.focus is None or self.focus not in s.nodes:
            return
        for nid in _siblings(s, self.focus):  # a menu that just opened beside the focused button
            node = s.nodes[nid]
            if node.el.sem is not None and node.el.sem.role == "menu" and (old is None or nid not in old.nodes):
                items = s.focusables(nid)
                if items:
                    self._focus(items[0])
                return

    def _modal_focus(self, had_modal: str | None) -> None:
        s = self.scene
        assert s is not None
        if s.modal is not None and s.modal != had_modal:  # a dialog opened: focus moves into it
            self._restore_focus = self.focus
            first = (s.focusables(s.modal) or [s.modal])[0]
            self._focus(first)
        elif s.modal is None and had_modal is not None and self._restore_focus in s.nodes:
            self._focus(self._restore_focus)  # closed: focus returns to what opened it

    def _focus(self, nid: str | None) -> None:
        handle = self.mirror.handle(nid) if nid else None
        if handle is not None:
            self.dom.focus(handle)

    # ---- events from the mirror --------------------------------------------------------------
    def on_event(self, ev: DomEvent) -> None:
        s = self.scene
        node = s.nodes.get(ev.target) if s is not None and ev.target else None
        if ev.type == "focusin":
            if ev.target != self.focus:
                self.focus = ev.target
                self._paint_dirty = True
                self.invalidate()
        elif ev.type == "focusout":
            if self.focus is not None:
                self.focus = None
                self._paint_dirty = True
                self.invalidate()
        elif ev.type == "scroll" and ev.target:
            if self.scroll.get(ev.target) != ev.scroll_top:
                self.scroll[ev.target] = ev.scroll_top
                self._paint_dirty = True
                self.invalidate()
                if s is not None and ev.target in s.watched:
                    self._report_edges()
            if node is not None and node.scroll_h is not None:
                end = max(0.0, node.scroll_h - node.h)
                if ev.scroll_top < end - 1:
                    self._pins.discard(ev.target)  # the person scrolled away: do not pull them back
                if self.on_scroll is not None:
                    self.on_scroll(ev.target, ev.scroll_top, end)
        elif node is None or s is None:
            return
        elif ev.type == "click":
            self._click(node.el, ev)
        elif ev.type == "input" and node.el.field is not None:
            self.dispatch(node.el.field.on_input(ev.value))
        elif ev.type == "keydown":
            self._key(s, node.id, ev)

    def _click(self, el: Element, ev: DomEvent) -> None:
        if el.href is not None:
            if not ev.modified and el.href.startswith("/") and not el.href.startswith("//"):
                ev.prevent()
                self.navigate(el.href)
            return
        if el.on_press is None or (el.sem is not None and el.sem.disabled):
            return
        ev.prevent()
        if isinstance(el.on_press, Copy):
            self.copy(el.on_press.text)
        else:
            self.dispatch(el.on_press)

    def _key(self, s: scene_mod.Scene, nid: str, ev: DomEvent) -> None:
        if ev.key == "Escape":
            for aid in s.ancestors(nid):
                dismiss = s.nodes[aid].el.on_dismiss
                if dismiss is not None:
                    ev.prevent()
                    sem = s.nodes[aid].el.sem
                    if sem is not None and sem.role == "menu":  # focus goes back to the menu's button
                        self._focus_next = next((b for b in _siblings(s, aid) if s.nodes[b].el.sem is not None
                                                 and s.nodes[b].el.sem.expanded), None)
                    self.dispatch(dismiss)
                    return
        elif ev.key == "Tab" and s.modal is not None:
            ring = s.focusables(s.modal)
            if ring and (nid not in ring or nid == (ring[0] if ev.shift else ring[-1])):
                ev.prevent()
                self._focus(ring[-1] if ev.shift else ring[0])
        else:
            role = s.nodes[nid].el.sem.role if s.nodes[nid].el.sem is not None else ""
            keys = _ARROWS.get(role, ())
            ends = _ENDS.get(role, ())
            if ev.key in keys or ev.key in ends:
                siblings = [c.id for c in s.nodes[s.parents[nid]].children]
                if ev.key in ends:
                    target = siblings[0 if ev.key == ends[0] else -1]
                else:
                    step = 1 if ev.key == keys[1] else -1
                    target = siblings[(siblings.index(nid) + step) % len(siblings)]
                ev.prevent()
                self._focus(target)
                if role == "tab":  # automatic activation: the focused tab is the selected one
                    press = s.nodes[target].el.on_press
                    if press is not None:
                        self.dispatch(press)


def _siblings(s: scene_mod.Scene, nid: str) -> list[str]:
    """The node ids beside ``nid`` (its parent's other children), in order."""
    parent = s.parents.get(nid)
    return [c.id for c in s.nodes[parent].children if c.id != nid] if parent is not None else []
