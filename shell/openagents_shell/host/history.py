"""The session history: ``pushState``, ``popstate`` and the current path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import history, location, window  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]


class JsHistory:
    def __init__(self) -> None:
        self._proxies: list[Any] = []

    def path(self) -> str:
        return str(location.pathname)

    def href(self) -> str:
        """The path with its query (``/login?next=…``)."""
        return str(location.pathname) + str(location.search)

    def push(self, href: str) -> None:
        history.pushState(None, "", href)

    def on_pop(self, callback: Callable[[str], None]) -> None:
        proxy = create_proxy(lambda _e: callback(str(location.pathname)))
        self._proxies.append(proxy)
        window.addEventListener("popstate", proxy)
