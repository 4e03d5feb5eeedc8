"""Images by URL for both backends: one ``HTMLImageElement`` per URL, decoded once, shared by Canvas2D
(``drawImage``) and WebGPU (drawn into the atlas canvas, then copied to the texture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import Image  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]


class JsImages:
    def __init__(self) -> None:
        self._images: dict[str, Any] = {}
        self._ready: set[str] = set()
        self._callbacks: list[Callable[[], None]] = []
        self._loaded = create_proxy(self._on_load)  # one listener for every image, kept for the page's life

    def get(self, src: str) -> Any | None:
        img = self._images.get(src)
        if img is None:
            img = self._images[src] = Image.new()
            img.decoding = "async"
            img.addEventListener("load", self._loaded)
            img.src = src
            if img.complete and img.naturalWidth > 0:  # already in the memory cache
                self._ready.add(src)
        return img if src in self._ready else None

    def on_load(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _on_load(self, event: Any) -> None:
        for src, img in self._images.items():
            if img == event.target:  # JsProxy ``==`` is JS identity
                self._ready.add(src)
        for cb in self._callbacks:
            cb()
