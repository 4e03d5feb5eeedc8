"""The WebGPU backend's per-frame work under CPython: policy, colours, instance packing, batches and
scissors, the glyph atlas (growth, reuse, LRU eviction)."""

from __future__ import annotations

from typing import Any

import pytest
from openagents_shell.render.atlas import Atlas
from openagents_shell.render.policy import AdapterInfo, choose, requested
from openagents_shell.render.webgpu import INSTANCE, WebGpuBackend, parse_color
from openagents_shell.ui.display import Clip, PopClip, Rect, TextRun

SWIFTSHADER = AdapterInfo("google", "swiftshader", "", fallback=True)
HARDWARE = AdapterInfo("nvidia", "ampere", "")


@pytest.mark.parametrize("query, adapter, expected", [
    (None, HARDWARE, "webgpu"), ("auto", SWIFTSHADER, "canvas2d"), ("webgpu", SWIFTSHADER, "webgpu"),
    ("webgpu", None, "canvas2d"), ("canvas2d", HARDWARE, "canvas2d"), ("bogus", HARDWARE, "webgpu"),
    (None, AdapterInfo("mesa", "llvmpipe"), "canvas2d"),
])
def test_the_capability_policy(query: str | None, adapter: AdapterInfo | None, expected: str) -> None:
    assert choose(requested(query), adapter) == expected


def test_css_colours_parse_to_floats() -> None:
    assert parse_color("#ff0000") == (1.0, 0.0, 0.0, 1.0)
    assert parse_color("#fff") == (1.0, 1.0, 1.0, 1.0)
    assert parse_color("rgba(0, 0, 0, 0.5)") == (0.0, 0.0, 0.0, 0.5)
    assert parse_color(None) == (0.0, 0.0, 0.0, 0.0)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def configure(self, *a: Any) -> None:
        self.calls.append(("configure", *a))

    def write(self, which: str, data: bytes) -> None:
        self.calls.append(("write", which, len(data)))

    def rasterize(self, items: list[Any], size: int, reset: bool) -> None:
        self.calls.append(("rasterize", [i[1] for i in items], size, reset))

    def draw(self, batches: list[Any], clear: Any) -> None:
        self.calls.append(("draw", batches, clear))


def backend(dpr: float = 2.0) -> tuple[WebGpuBackend, Recorder]:
    rec = Recorder()
    b = WebGpuBackend(rec)
    b.resize(400, 300, dpr)
    return b, rec


def run(x: float, y: float, text: str) -> TextRun:
    return TextRun(x, y, len(text) * 8.0, 20.0, text, "400 15px Inter", 15.0, "#000000")


def test_ops_become_batches_in_painters_order_with_scissors_in_device_pixels() -> None:
    b, _rec = backend()
    ops = [Rect(0, 0, 400, 300, "#ffffff"), Rect(10, 10, 100, 50, "#eeeeee", "#000000", 1, 6, shadow=4,
                                                 shadow_color="rgba(0,0,0,0.2)"),
           run(12, 12, "Hello"), Clip(0, 100, 200, 100), Rect(0, 90, 50, 50, "#ff0000"), run(0, 110, "clipped"),
           PopClip(), run(0, 250, "after")]
    rects, runs, batches, todo = b.pack(ops)
    assert len(rects) == 3 * INSTANCE.size  # a shadow, its rect, the clipped rect (the background is the clear)
    assert len(runs) == 3 * INSTANCE.size
    full, clip = (0, 0, 800, 600), (0, 200, 400, 200)
    assert batches == [("rects", 0, 2, full), ("text", 0, 1, full), ("rects", 2, 1, clip), ("text", 1, 1, clip),
                       ("text", 2, 1, full)]
    assert sorted(t[1] for t in todo) == ["Hello", "after", "clipped"]


def test_text_runs_are_rasterised_once_and_reused() -> None:
    b, rec = backend()
    b.draw([Rect(0, 0, 400, 300, "#fff"), run(0, 0, "same"), run(0, 40, "same")])
    b.draw([Rect(0, 0, 400, 300, "#fff"), run(0, 0, "same"), run(0, 60, "new")])
    rasters = [c for c in rec.calls if c[0] == "rasterize"]
    assert rasters == [("rasterize", ["same"], 1024, True), ("rasterize", ["new"], 1024, False)]
    draws = [c for c in rec.calls if c[0] == "draw"]
    assert draws[-1][2] == (1.0, 1.0, 1.0, 1.0)  # cleared with the background colour


def test_the_atlas_grows_then_evicts_the_least_recently_used() -> None:
    atlas = Atlas(size=64, max_size=128)
    keys = [(f"t{i}", "f", 1.0) for i in range(40)]
    for k in keys[:10]:  # 8 fit in 64 px
        atlas.add(k, 30, 14, keep={k})
    assert atlas.size == 128 and atlas.generation == 1  # grew once and repacked
    atlas.get(keys[0])  # recently used
    for k in keys[10:40]:
        atlas.add(k, 30, 14, keep={k})
    assert keys[0] in atlas.entries or len(atlas.entries) < 40
    assert keys[39] in atlas.entries and keys[1] not in atlas.entries
    slots = list(atlas.entries.values())
    for i, a in enumerate(slots):  # no two entries overlap
        for c in slots[i + 1:]:
            assert a.x + a.w <= c.x or c.x + c.w <= a.x or a.y + a.h <= c.y or c.y + c.h <= a.y
