"""The WebGPU backend: packs a display list into storage buffers and draws it in one render pass.

One renderer, two device providers: ``host/gpu.py`` (the browser's ``navigator.gpu`` through
Pyodide) and the native ``wgpu`` provider the golden tests use. A provider only creates and feeds GPU
objects; everything decided per frame (instances, batches, scissors, the atlas's layout) is here.

Per frame: rects (shadows first) and text-run quads are packed with ``struct`` into two buffers;
consecutive ops of one kind under one clip become one batch (one draw); a clip is a scissor rect.
Text runs are rasterised once per (text, font, height, pixel ratio) into the glyph atlas. Images go
through the same atlas, drawn once at their box's device-pixel size (and corner radius) by the provider
and sampled in colour by the text pipeline (an instance flag), so they batch with text and share its
growth and LRU eviction; an image is drawn from the frame after it has loaded.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any, Protocol

from openagents_shell.host.base import Images
from openagents_shell.render.atlas import Atlas, Slot
from openagents_shell.ui.display import Clip, Image, Op, PopClip, Rect, TextRun

INSTANCE = struct.Struct("<16f")  # 64 bytes: both pipelines use 4 × vec4f per instance
VIEW = struct.Struct("<4f")

Batch = tuple[str, int, int, tuple[int, int, int, int]]  # kind ("rects"|"text"), first, count, scissor px
RasterItem = tuple[Slot, str, str, float, float]  # slot, text, font, line height (CSS px), dpr
#: The "font" of an atlas entry that is an image: ``IMAGE_FONT + "radius/width_px"``; its "text" is the
#: image's URL, and the provider finds the decoded image with ``images.get(url)``.
IMAGE_FONT = "\x00image:"


def image_radius(font: str) -> float:
    """The corner radius (CSS px) of an image entry's ``font``."""
    return float(font[len(IMAGE_FONT):].split("/")[0] or 0)


class GpuProvider(Protocol):
    def configure(self, width_px: int, height_px: int, dpr: float) -> None: ...
    def write(self, which: str, data: bytes | bytearray) -> None: ...
    def rasterize(self, items: list[RasterItem], atlas_size: int, reset: bool) -> None: ...
    def draw(self, batches: list[Batch], clear: tuple[float, float, float, float]) -> None: ...


_RGBA = re.compile(r"rgba?\(([^)]*)\)")


def parse_color(css: str | None) -> tuple[float, float, float, float]:
    """``#rgb``, ``#rrggbb``, ``#rrggbbaa``, ``rgb()``/``rgba()`` → linear-free sRGB floats 0..1."""
    if not css:
        return (0.0, 0.0, 0.0, 0.0)
    if css.startswith("#"):
        h = css[1:]
        if len(h) in (3, 4):
            h = "".join(ch * 2 for ch in h)
        r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
        return (r, g, b, int(h[6:8], 16) / 255 if len(h) == 8 else 1.0)
    found = _RGBA.match(css.replace(" ", ""))
    if found:
        parts = [float(p) for p in found.group(1).split(",")]
        return (parts[0] / 255, parts[1] / 255, parts[2] / 255, parts[3] if len(parts) > 3 else 1.0)
    raise ValueError(f"unsupported colour {css!r}")


class WebGpuBackend:
    name = "webgpu"

    def __init__(self, provider: GpuProvider, atlas: Atlas | None = None, images: Images | None = None) -> None:
        self.provider = provider
        self.images = images
        self.atlas = atlas or Atlas()
        self.width = self.height = 1.0
        self.dpr = 1.0
        self._generation = -1
        self._images_packed = 0
        self._colors: dict[str | None, tuple[float, float, float, float]] = {}
        self.stats: dict[str, float] = {}

    def resize(self, width: float, height: float, dpr: float) -> None:
        self.width, self.height, self.dpr = width, height, dpr
        self.provider.configure(max(1, round(width * dpr)), max(1, round(height * dpr)), dpr)
        self.provider.write("view", VIEW.pack(width, height, dpr, 0.0))

    def _color(self, css: str | None) -> tuple[float, float, float, float]:
        found = self._colors.get(css)
        if found is None:
            found = self._colors[css] = parse_color(css)
        return found

    def pack(self, ops: list[Op]) -> tuple[bytearray, bytearray, list[Batch], list[RasterItem]]:
        """Instances, batches and the runs the atlas still needs (no GPU calls: tested under CPython)."""
        dpr = self.dpr
        full = (0, 0, max(1, round(self.width * dpr)), max(1, round(self.height * dpr)))
        clips = [full]
        rects = bytearray()
        runs_meta: list[tuple[tuple[str, str, float], Any]] = []  # TextRun | Image
        batches: list[list] = []  # [kind, first, count, scissor]
        n_rects = n_images = 0
        color = self._color

        def add(kind: str, index: int) -> None:
            last = batches[-1] if batches else None
            if last is not None and last[0] == kind and last[3] == clips[-1] and last[1] + last[2] == index:
                last[2] += 1
            else:
                batches.append([kind, index, 1, clips[-1]])

        start = 0
        if ops and isinstance(ops[0], Rect) and not ops[0].border and ops[0].x <= 0 and ops[0].y <= 0 \
                and ops[0].w >= self.width and ops[0].h >= self.height:
            start = 1  # the page background is the pass's clear colour: no full-screen quad to shade
        for op in ops[start:] if start else ops:
            if isinstance(op, Rect):
                if op.shadow:
                    rects += INSTANCE.pack(op.x, op.y, op.w, op.h, op.radius, 0.0, op.shadow, 1.0,
                                           *color(op.shadow_color), 0.0, 0.0, 0.0, 0.0)
                    add("rects", n_rects)
                    n_rects += 1
                bw = op.border_width if op.border else 0.0
                rects += INSTANCE.pack(op.x, op.y, op.w, op.h, op.radius, bw, 0.0, 0.0, *color(op.fill),
                                       *color(op.border))
                add("rects", n_rects)
                n_rects += 1
            elif isinstance(op, TextRun):
                key = (op.text, op.font, round(op.h * dpr, 2))
                add("text", len(runs_meta))
                runs_meta.append((key, op))
            elif isinstance(op, Image):
                if self.images is None or self.images.get(op.src) is None:
                    continue  # not loaded yet: the box's background shows; its load asks for a frame
                if round(op.w * dpr) < 1 or round(op.h * dpr) < 1:
                    continue
                key = (op.src, f"{IMAGE_FONT}{op.radius:g}/{round(op.w * dpr)}", round(op.h * dpr, 2))
                n_images += 1
                add("text", len(runs_meta))
                runs_meta.append((key, op))
            elif isinstance(op, Clip):
                x0, y0 = math.floor(op.x * dpr), math.floor(op.y * dpr)
                x1, y1 = math.ceil((op.x + op.w) * dpr), math.ceil((op.y + op.h) * dpr)
                px, py, pw, ph = clips[-1]
                x0, y0 = max(x0, px), max(y0, py)
                x1, y1 = min(x1, px + pw), min(y1, py + ph)
                clips.append((x0, y0, max(0, x1 - x0), max(0, y1 - y0)))
            elif isinstance(op, PopClip) and len(clips) > 1:
                clips.pop()
        # Place every run first (the atlas may grow or repack), then compute texture coordinates.
        keep = {key for key, _ in runs_meta}
        new: dict[tuple[str, str, float], Any] = {}
        for key, op in runs_meta:
            if self.atlas.get(key) is None and key not in new:
                w = round(op.w * dpr) if isinstance(op, Image) else math.ceil(op.w * dpr) + 2
                self.atlas.add(key, w, math.ceil(op.h * dpr) if not isinstance(op, Image) else round(op.h * dpr),
                               keep)
                new[key] = op
        reset = self.atlas.generation != self._generation
        todo: list[RasterItem] = []
        if reset:  # every slot moved: redraw the whole atlas (entries of this frame are all there)
            self._generation = self.atlas.generation
            lookup = {key: op for key, op in runs_meta}
            todo = [(slot, key[0], key[1], lookup[key].h if key in lookup else key[2] / dpr, dpr)
                    for key, slot in self.atlas.entries.items()]
        else:
            todo = [(self.atlas.entries[key], key[0], key[1], op.h, dpr) for key, op in new.items()]
        size = float(self.atlas.size)
        runs = bytearray()
        for key, op in runs_meta:
            s = self.atlas.entries[key]
            uv = (s.x / size, s.y / size, (s.x + s.w) / size, (s.y + s.h) / size)
            if isinstance(op, Image):  # flag 1: sample colour, not coverage
                runs += INSTANCE.pack(op.x, op.y, op.w, op.h, *uv, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0)
            else:
                runs += INSTANCE.pack(op.x - 1 / dpr, op.y, s.w / dpr, s.h / dpr, *uv, *color(op.color),
                                      0.0, 0.0, 0.0, 0.0)
        out = [(k, f, c, tuple(sc)) for k, f, c, sc in batches if sc[2] > 0 and sc[3] > 0]
        self._images_packed = n_images
        return rects, runs, out, todo  # type: ignore[return-value]

    def draw(self, ops: list[Op]) -> None:
        rects, runs, batches, todo = self.pack(ops)
        if todo:
            self.provider.rasterize(todo, self.atlas.size, reset=len(todo) == len(self.atlas.entries))
        if rects:
            self.provider.write("rects", rects)
        if runs:
            self.provider.write("text", runs)
        first = ops[0] if ops and isinstance(ops[0], Rect) else None
        self.provider.draw(batches, self._color(first.fill) if first is not None else (1.0, 1.0, 1.0, 1.0))
        self.stats = {"rects": len(rects) / INSTANCE.size, "runs": len(runs) / INSTANCE.size,
                      "batches": float(len(batches)), "rasterised": float(len(todo)),
                      "images": float(self._images_packed)}
