"""The Canvas2D backend: draws a display list on a 2D canvas (the fallback, and the default on
software WebGPU adapters, where it is ~6× faster: ../shared/reference/render-floors.md)."""

from __future__ import annotations

from openagents_shell.host.base import Canvas2D
from openagents_shell.ui.display import Clip, Op, PopClip, Rect, TextRun


class Canvas2DBackend:
    name = "canvas2d"

    def __init__(self, canvas: Canvas2D) -> None:
        self.canvas = canvas

    def resize(self, width: float, height: float, dpr: float) -> None:
        self.canvas.resize(width, height, dpr)

    def draw(self, ops: list[Op]) -> None:
        c = self.canvas
        c.begin()
        for op in ops:
            if isinstance(op, TextRun):
                c.text(op.x, op.y + op.h / 2, op.text, op.font, op.color)
            elif isinstance(op, Rect):
                c.rect(op.x, op.y, op.w, op.h, op.radius, op.fill, op.border, op.border_width, op.shadow,
                       op.shadow_color)
            elif isinstance(op, Clip):
                c.push_clip(op.x, op.y, op.w, op.h)
            elif isinstance(op, PopClip):
                c.pop_clip()
        c.end()
