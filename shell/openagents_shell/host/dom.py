"""The DOM, for the accessible mirror: element updates and one delegated listener per event type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import document  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from openagents_shell.host.base import DomEvent

_EVENTS = ("click", "keydown", "input", "focusin", "focusout")


class JsDom:
    def __init__(self) -> None:
        self._proxies: list[Any] = []  # event listeners live as long as the page

    def create(self, tag: str) -> Any:
        return document.createElement(tag)

    def set_attr(self, node: Any, name: str, value: str | None) -> None:
        if value is None:
            node.removeAttribute(name)
        else:
            node.setAttribute(name, value)

    def set_text(self, node: Any, text: str) -> None:
        node.textContent = text

    def set_style(self, node: Any, css: str) -> None:
        node.style.cssText = css

    def value(self, node: Any) -> str:
        return str(node.value)

    def set_value(self, node: Any, value: str) -> None:
        node.value = value

    def insert(self, parent: Any, node: Any, before: Any | None) -> None:
        parent.insertBefore(node, before)

    def remove(self, node: Any) -> None:
        node.remove()

    def focus(self, node: Any) -> None:
        node.focus()

    def active_id(self) -> str | None:
        el = document.activeElement
        return str(el.dataset.oa) if el is not None and el.dataset.oa else None

    def set_scroll_top(self, node: Any, top: float) -> None:
        node.scrollTop = top

    def listen(self, root: Any, handler: Callable[[DomEvent], None]) -> None:
        def on_event(event: Any) -> None:
            target = event.target
            holder = target.closest("[data-oa]") if target is not None and hasattr(target, "closest") else None
            nid = str(holder.dataset.oa) if holder is not None else None
            kind = str(event.type)
            ev = DomEvent(kind, nid, prevent=event.preventDefault)
            if kind == "keydown":
                ev.key, ev.shift = str(event.key), bool(event.shiftKey)
                ev.modified = bool(event.ctrlKey or event.metaKey or event.altKey)
            elif kind == "click":
                ev.modified = bool(event.ctrlKey or event.metaKey or event.shiftKey or event.altKey
                                   or event.button != 0)
            elif kind == "input":
                ev.value = str(target.value)
            elif kind == "scroll":
                if holder is None or holder != target:  # JsProxy ``==`` is JS identity; ``is`` never holds
                    return
                ev.scroll_top = float(target.scrollTop)
            elif kind == "focusout" and event.relatedTarget is not None and root.contains(event.relatedTarget):
                return  # focus moves within the mirror: the focusin that follows says where
            handler(ev)

        proxy = create_proxy(on_event)
        self._proxies.append(proxy)
        for kind in _EVENTS:
            root.addEventListener(kind, proxy)
        root.addEventListener("scroll", proxy, True)  # scroll does not bubble; capture sees every container
