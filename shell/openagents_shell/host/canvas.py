"""A 2D canvas (the Canvas2D backend's target) and text measuring with ``measureText``."""

from __future__ import annotations

import math
from typing import Any

from js import OffscreenCanvas, document  # type: ignore[import-not-found]


class JsCanvas2D:
    """Draws on ``element`` (a ``<canvas>``); keeps the context's state to skip redundant writes."""

    def __init__(self, element: Any) -> None:
        self.element = element
        self.ctx = element.getContext("2d")
        self._font = self._fill = self._stroke = ""
        self._dpr = 1.0

    def resize(self, width: float, height: float, dpr: float) -> None:
        self.element.width = max(1, round(width * dpr))
        self.element.height = max(1, round(height * dpr))
        self._dpr = dpr
        self._font = self._fill = self._stroke = ""  # resizing resets the context

    def begin(self) -> None:
        self._font = self._fill = self._stroke = ""
        self.ctx.setTransform(self._dpr, 0, 0, self._dpr, 0, 0)
        self.ctx.textBaseline = "middle"

    def rect(self, x: float, y: float, w: float, h: float, radius: float, fill: str | None, stroke: str | None,
             line_width: float, shadow: float, shadow_color: str | None) -> None:
        ctx = self.ctx
        r = min(radius, w / 2, h / 2)
        if fill:
            if fill != self._fill:
                ctx.fillStyle = self._fill = fill
            if shadow:
                ctx.save()
                ctx.shadowBlur = shadow
                ctx.shadowOffsetY = 2
                ctx.shadowColor = shadow_color or "rgba(0,0,0,0.2)"
            if r > 0:
                ctx.beginPath()
                ctx.roundRect(x, y, w, h, r)
                ctx.fill()
            else:
                ctx.fillRect(x, y, w, h)
            if shadow:
                ctx.restore()
                self._fill = ""
        if stroke and line_width > 0:
            if stroke != self._stroke:
                ctx.strokeStyle = self._stroke = stroke
            ctx.lineWidth = line_width
            half = line_width / 2
            ctx.beginPath()
            ctx.roundRect(x + half, y + half, w - line_width, h - line_width, max(0.0, r - half))
            ctx.stroke()

    def text(self, x: float, y: float, text: str, font: str, color: str) -> None:
        ctx = self.ctx
        if font != self._font:
            ctx.font = self._font = font
        if color != self._fill:
            ctx.fillStyle = self._fill = color
        ctx.fillText(text, x, y)

    def image(self, x: float, y: float, w: float, h: float, image: Any, radius: float) -> None:
        ctx = self.ctx
        if radius > 0:
            ctx.save()
            ctx.beginPath()
            ctx.roundRect(x, y, w, h, min(radius, w / 2, h / 2))
            ctx.clip()
        ctx.drawImage(image, x, y, w, h)
        if radius > 0:
            ctx.restore()
            self._font = self._fill = self._stroke = ""

    def push_clip(self, x: float, y: float, w: float, h: float) -> None:
        self.ctx.save()
        self.ctx.beginPath()
        self.ctx.rect(x, y, w, h)
        self.ctx.clip()

    def pop_clip(self) -> None:
        self.ctx.restore()
        self._font = self._fill = self._stroke = ""

    def end(self) -> None:
        pass


class JsMeasure:
    """``(text, css_font) -> width`` through an OffscreenCanvas's ``measureText``."""

    def __init__(self) -> None:
        try:
            self.ctx = OffscreenCanvas.new(1, 1).getContext("2d")
        except Exception:  # noqa: BLE001 - very old engines: a detached canvas does the same
            self.ctx = document.createElement("canvas").getContext("2d")
        self._font = ""

    def __call__(self, text: str, font: str) -> float:
        if font != self._font:
            self.ctx.font = self._font = font
        width = float(self.ctx.measureText(text).width)
        return width if math.isfinite(width) else 0.0
