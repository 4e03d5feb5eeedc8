"""The Canvas2D backend: draws a display list on a 2D canvas (the fallback, and the default on
software WebGPU adapters, where it is ~6× faster: ../shared/reference/render-floors.md)."""

from __future__ import annotations

from openagents_shell.host.base import Canvas2D, Images
from openagents_shell.ui.display import Clip, Image, Op, PopClip, Rect, TextRun


class Canvas2DBackend:
    name = "canvas2d"

    def __init__(self, canvas: Canvas2D, images: Images | None = None) -> None:
        self.canvas = canvas
        self.images = images
        self.stats: dict[str, float] = {}

    def resize(self, width: float, height: float, dpr: float) -> None:
        self.canvas.resize(width, height, dpr)

    def draw(self, ops: list[Op]) -> None:
        c = self.canvas
        c.begin()
        images = 0
        for op in ops:
            if isinstance(op, TextRun):
                c.text(op.x, op.y + op.h / 2, op.text, op.font, op.color)
            elif isinstance(op, Rect):
                c.rect(op.x, op.y, op.w, op.h, op.radius, op.fill, op.border, op.border_width, op.shadow,
                       op.shadow_color)
            elif isinstance(op, Image):
                img = self.images.get(op.src) if self.images is not None else None
                if img is not None:
                    c.image(op.x, op.y, op.w, op.h, img, op.radius)
                    images += 1
            elif isinstance(op, Clip):
                c.push_clip(op.x, op.y, op.w, op.h)
            elif isinstance(op, PopClip):
                c.pop_clip()
        c.end()
        self.stats = {"images": float(images)}
