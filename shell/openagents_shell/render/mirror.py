"""The accessible DOM mirror: one transparent, absolutely positioned element per semantic node.

The mirror is what keyboards, screen readers, Ctrl+F, autofill and IMEs see; the canvas only draws.
Updates are keyed by node id and diffed, so an unchanged frame costs no DOM call, focus and typed text
survive re-renders, and a new sibling is inserted without moving (and blurring) the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openagents_shell.host.base import Dom
from openagents_shell.ui.semantics import SemNode


@dataclass(slots=True)
class _Entry:
    handle: Any
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    style: str = ""
    text: str | None = None
    children: list[str] = field(default_factory=list)
    spacer: Any = None
    spacer_h: float = -1.0
    options: tuple[tuple[str, str], ...] = ()
    option_nodes: list[Any] = field(default_factory=list)


def _style(node: SemNode) -> str:
    css = f"left:{node.x:.1f}px;top:{node.y:.1f}px;width:{node.w:.1f}px;height:{node.h:.1f}px"
    if node.font:
        css += f";font:{node.font};line-height:{node.line_px:g}px"
    return css


class Mirror:
    def __init__(self, dom: Dom, root: Any) -> None:
        self.dom = dom
        self.root = root
        self._entries: dict[str, _Entry] = {"root": _Entry(root, "div")}
        self._fresh: set[str] = set()

    def handle(self, nid: str) -> Any | None:
        entry = self._entries.get(nid)
        return entry.handle if entry is not None else None

    def update(self, sem_root: SemNode, root_attrs: dict[str, str]) -> None:
        root = self._entries["root"]
        self._attrs(root, {**root_attrs, "data-oa": "root"})
        seen: set[str] = {"root"}
        self._fresh = set()
        self._children(root, sem_root, seen)
        for nid in [n for n in self._entries if n not in seen]:
            del self._entries[nid]  # their elements left the DOM with their removed ancestor (or below)

    def restyle(self, node: SemNode) -> None:
        """Move one node's element to ``node``'s box (a sticky header on a scroll frame)."""
        entry = self._entries.get(node.id)
        if entry is not None:
            style = _style(node)
            if style != entry.style:
                self.dom.set_style(entry.handle, style)
                entry.style = style

    def _options(self, entry: _Entry, options: tuple[tuple[str, str], ...]) -> None:
        """A ``<select>``'s ``<option>`` children (not mirror nodes: the select is one control)."""
        if options == entry.options:
            return
        for old in entry.option_nodes:
            self.dom.remove(old)
        entry.option_nodes = []
        for value, text in options:
            opt = self.dom.create("option")
            self.dom.set_attr(opt, "value", value)
            self.dom.set_text(opt, text)
            self.dom.insert(entry.handle, opt, None)
            entry.option_nodes.append(opt)
        entry.options = options

    def _attrs(self, entry: _Entry, attrs: dict[str, str]) -> None:
        if attrs == entry.attrs:
            return
        for name, value in attrs.items():
            if entry.attrs.get(name) != value:
                self.dom.set_attr(entry.handle, name, value)
        for name in entry.attrs:
            if name not in attrs:
                self.dom.set_attr(entry.handle, name, None)
        entry.attrs = dict(attrs)

    def _node(self, node: SemNode, seen: set[str]) -> _Entry:
        entry = self._entries.get(node.id)
        if entry is None or entry.tag != node.tag:
            if entry is not None:
                self.dom.remove(entry.handle)
            entry = _Entry(self.dom.create(node.tag), node.tag)
            self._entries[node.id] = entry
            self._fresh.add(node.id)
        seen.add(node.id)
        self._attrs(entry, {**node.attrs, "data-oa": node.id})
        style = _style(node)
        if style != entry.style:
            self.dom.set_style(entry.handle, style)
            entry.style = style
        field_ = node.el.field
        if field_ is not None:
            if field_.options:
                self._options(entry, field_.options)
            if self.dom.value(entry.handle) != field_.value:
                self.dom.set_value(entry.handle, field_.value)
        elif node.text is not None and node.text != entry.text:
            self.dom.set_text(entry.handle, node.text)
            entry.text = node.text
        if node.scroll_h is not None and node.scroll_h != entry.spacer_h:
            if entry.spacer is None:  # gives the scroll container its scrollable height
                entry.spacer = self.dom.create("div")
                self.dom.set_attr(entry.spacer, "aria-hidden", "true")
                self.dom.insert(entry.handle, entry.spacer, None)
            self.dom.set_style(entry.spacer, f"left:0;top:0;width:1px;height:{node.scroll_h:.1f}px")
            entry.spacer_h = node.scroll_h
        if node.children or entry.children:
            self._children(entry, node, seen)
        return entry

    def _children(self, entry: _Entry, node: SemNode, seen: set[str]) -> None:
        want = [c.id for c in node.children]
        handles = [self._node(c, seen).handle for c in node.children]
        current = [c for c in entry.children if c in want and c not in self._fresh]
        for gone in entry.children:
            if gone not in want and gone in self._entries and gone not in seen:
                self.dom.remove(self._entries[gone].handle)
        if current != want or len(entry.children) != len(want):
            # Walk backwards: a child already right before its successor stays (keeps its focus).
            order = list(current)
            for i in range(len(want) - 1, -1, -1):
                nid = want[i]
                after = want[i + 1] if i + 1 < len(want) else None
                pos = order.index(nid) if nid in order else -1
                nxt = order[pos + 1] if 0 <= pos < len(order) - 1 else None
                if pos >= 0 and nxt == after:
                    continue
                if pos >= 0:
                    order.pop(pos)
                self.dom.insert(entry.handle, handles[i], self._entries[after].handle if after else None)
                order.insert(order.index(after) if after else len(order), nid)
        entry.children = want
