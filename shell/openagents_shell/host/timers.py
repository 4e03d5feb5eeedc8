"""Animation frames and the clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import performance, requestAnimationFrame, setTimeout  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable  # type: ignore[import-not-found]


class JsTimers:
    def request_frame(self, callback: Callable[[], None]) -> None:
        def run(_t: Any) -> None:
            callback()

        requestAnimationFrame(create_once_callable(run))

    def later(self, callback: Callable[[], None]) -> None:
        setTimeout(create_once_callable(callback), 0)

    def now(self) -> float:
        return float(performance.now())
