"""The window: viewport size and pixel ratio, colour scheme, web fonts, title, clipboard, URL query,
and a debug object (``window.__oa``) the e2e tests and benchmarks read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import Object, URLSearchParams, console, document, location, navigator, performance, window  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]


class JsWindow:
    def __init__(self) -> None:
        self._proxies: list[Any] = []
        self._dark = window.matchMedia("(prefers-color-scheme: dark)")

    def callback(self, fn: Callable[..., Any]) -> Any:
        """A JS function calling ``fn``, kept alive for the page's lifetime."""
        proxy = create_proxy(fn)
        self._proxies.append(proxy)
        return proxy

    def viewport(self) -> tuple[float, float, float]:
        return float(window.innerWidth), float(window.innerHeight), float(window.devicePixelRatio or 1)

    def on_resize(self, callback: Callable[[], None]) -> None:
        window.addEventListener("resize", self.callback(lambda _e: callback()))

    def prefers_dark(self) -> bool:
        return bool(self._dark.matches)

    def on_scheme_change(self, callback: Callable[[], None]) -> None:
        self._dark.addEventListener("change", self.callback(lambda _e: callback()))

    def on_fonts_loaded(self, callback: Callable[[], None]) -> None:
        if getattr(document, "fonts", None) is not None:
            document.fonts.addEventListener("loadingdone", self.callback(lambda _e: callback()))

    def on_hidden(self, callback: Callable[[], None]) -> None:
        """The page is being hidden or left (``visibilitychange`` to hidden, ``pagehide``)."""
        def hidden(_e: Any) -> None:
            if str(document.visibilityState) == "hidden":
                callback()

        document.addEventListener("visibilitychange", self.callback(hidden))
        window.addEventListener("pagehide", self.callback(lambda _e: callback()))

    def set_title(self, title: str) -> None:
        document.title = title

    def query(self, name: str) -> str | None:
        value = URLSearchParams.new(location.search).get(name)
        return None if value is None else str(value)

    def copy(self, text: str) -> None:
        navigator.clipboard.writeText(text)

    def expose(self, name: str, value: Any) -> None:
        setattr(self._debug(), name, to_js(value, dict_converter=Object.fromEntries))

    def _debug(self) -> Any:
        found = getattr(window, "__oa", None)  # a string: ``window.__oa`` here would be name-mangled
        if found is None:
            found = Object.new()
            setattr(window, "__oa", found)
        return found

    def expose_fn(self, name: str, fn: Callable[..., Any]) -> None:
        """``window.__oa[name]()`` returns ``fn()`` converted to plain JS (test hooks, benchmarks)."""
        setattr(self._debug(), name, self.callback(lambda *args: to_js(fn(*args), dict_converter=Object.fromEntries)))

    def mark(self, name: str) -> None:
        """A ``performance.mark`` (benchmarks read the renderer's start from them)."""
        performance.mark(name)

    def warn(self, message: str) -> None:
        console.warn(message)

    def element(self, element_id: str) -> Any:
        return document.getElementById(element_id)

    def create(self, tag: str, **attrs: str) -> Any:
        node = document.createElement(tag)
        for key, value in attrs.items():
            node.setAttribute(key.rstrip("_").replace("_", "-"), value)
        return node
