"""The Surface: a view tree in, a drawn frame and an up-to-date mirror out; DOM events back as intents.

``show(tree, attrs)`` stores the page's latest element tree and asks for a frame; frames are drawn in
``requestAnimationFrame`` only when something changed (the tree, the viewport, the theme, scrolling or
focus), never in a loop. Layout is skipped when only scroll or focus changed.

Events come from the mirror (one delegated listener per type): a click on a button dispatches its
``on_press`` intent, a plain click on a same-origin link calls ``navigate(href)`` (modified clicks keep
the browser's behaviour), an edit calls the field's ``on_input``, Escape dispatches the nearest
``on_dismiss``, Tab stays inside an open modal dialog, arrow keys move between tabs and menu items.
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


_ARROWS = {"tab": ("ArrowLeft", "ArrowRight"), "menuitem": ("ArrowUp", "ArrowDown")}


class Surface:
    def __init__(self, *, dom: Dom, mirror_root: Any, backend: Backend, timers: Timers, measurer: TextMeasurer,
                 dispatch: Callable[[Any], None], navigate: Callable[[str], None],
                 copy: Callable[[str], None] = lambda _t: None) -> None:
        self.dom = dom
        self.backend = backend
        self.timers = timers
        self.measurer = measurer
        self.layout = Layout(measurer)
        self.mirror = Mirror(dom, mirror_root)
        self.dispatch = dispatch
        self.navigate = navigate
        self.copy = copy
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
        self._restore_focus: str | None = None
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

    def fonts_changed(self) -> None:
        self.layout.invalidate_text()
        self._layout_dirty = True
        self.invalidate()

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
        t1 = self.timers.now()
        had_modal = self.scene.modal if self.scene is not None else None
        scene = None
        if not (self._sem_dirty or laid_out or self.scene is None):
            # Only scroll or focus changed: paint, and keep the mirror unless a list's mirrored rows moved.
            scene = scene_mod.build(self.box, self.theme, width=self.width, height=self.height,
                                    text_width=self.measurer.width, scroll=self.scroll, focus=self.focus,
                                    semantics=False)
            if scene.windows != self.scene.windows:
                scene = None
        if scene is None:
            scene = self.scene = scene_mod.build(self.box, self.theme, width=self.width, height=self.height,
                                                 text_width=self.measurer.width, scroll=self.scroll,
                                                 focus=self.focus)
            self.mirror.update(scene.root, self.attrs)
            self._sem_dirty = False
        else:
            self.scene.ops = scene.ops
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
                    self.dispatch(dismiss)
                    return
        elif ev.key == "Tab" and s.modal is not None:
            ring = s.focusables(s.modal)
            if ring and (nid not in ring or nid == (ring[0] if ev.shift else ring[-1])):
                ev.prevent()
                self._focus(ring[-1] if ev.shift else ring[0])
        else:
            role = s.nodes[nid].el.sem.role if s.nodes[nid].el.sem is not None else ""
            keys = _ARROWS.get(role)
            if keys and ev.key in keys:
                siblings = [c.id for c in s.nodes[s.parents[nid]].children]
                step = 1 if ev.key == keys[1] else -1
                target = siblings[(siblings.index(nid) + step) % len(siblings)]
                ev.prevent()
                self._focus(target)
                if role == "tab":  # automatic activation: the focused tab is the selected one
                    press = s.nodes[target].el.on_press
                    if press is not None:
                        self.dispatch(press)
