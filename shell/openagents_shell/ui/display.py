"""The display list: what a backend draws, in CSS px, in painter's order.

Five operations, the same for Canvas2D and WebGPU: rounded rectangles (fill, border, shadow), text
runs (one line of one font and colour; the backend shapes and rasterises it), images (scaled to their
box; drawn once loaded), and a clip stack.
Colours are resolved CSS colour strings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    border: str | None = None
    border_width: float = 0.0
    radius: float = 0.0
    shadow: float = 0.0  # blur radius; the shadow falls 2 px down
    shadow_color: str | None = None


@dataclass(frozen=True, slots=True)
class TextRun:
    x: float
    y: float  # top of the line box
    w: float  # measured width (the line box)
    h: float  # line box height; the text is centred on it
    text: str
    font: str  # CSS font shorthand
    size: float
    color: str


@dataclass(frozen=True, slots=True)
class Image:
    """An image scaled to the box (``src`` a same-origin URL); nothing is drawn until it has loaded."""

    x: float
    y: float
    w: float
    h: float
    src: str
    radius: float = 0.0


@dataclass(frozen=True, slots=True)
class Clip:
    """Intersect the clip with this rectangle until the matching :class:`PopClip`."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class PopClip:
    pass


Op = Rect | TextRun | Image | Clip | PopClip


def counts(ops: list[Op]) -> dict[str, int]:
    """How many rects, runs and glyphs a list draws (benchmarks, debug page)."""
    rects = sum(1 for op in ops if isinstance(op, Rect))
    runs = [op for op in ops if isinstance(op, TextRun)]
    images = sum(1 for op in ops if isinstance(op, Image))
    return {"rects": rects, "runs": len(runs), "glyphs": sum(len(r.text) for r in runs), "images": images}
