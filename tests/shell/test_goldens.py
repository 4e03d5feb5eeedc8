"""Golden images: the WebGPU backend's WGSL and display lists rendered natively with ``wgpu`` on
lavapipe (CPU Vulkan), compared with committed PNGs within a tolerance. Regenerate after an intended
change with ``OA_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/shell/test_goldens.py``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openagents_shell.app import Gallery, initial_state
from openagents_shell.host.fake import FakeImage, FakeImages
from openagents_shell.pages import shell
from openagents_shell.render.webgpu import WebGpuBackend
from openagents_shell.ui import scene
from openagents_shell.ui.components import column, heading, image, label, pad, sticky_header, virtual_list
from openagents_shell.ui.display import Clip, Image, Op, PopClip, Rect, TextRun
from openagents_shell.ui.element import Font, Style, box
from openagents_shell.ui.layout import Layout
from openagents_shell.ui.text import TextMeasurer, approximate_width
from openagents_shell.ui.theme import DARK, LIGHT, Theme

from tests.shell.native_gpu import NativeGpu, read_png, write_png

GOLDENS = Path(__file__).parent / "goldens"
UPDATE = os.environ.get("OA_UPDATE_GOLDENS") == "1"
#: lavapipe is deterministic on one machine; other drivers differ by antialiasing only.
MEAN_TOLERANCE = 1.0  # mean absolute difference per channel (0–255)
FAR_TOLERANCE = 0.002  # share of pixels differing by more than 48 in a channel


def _quarters(n: int = 8) -> FakeImage:
    """An n×n image: blue, red, green, yellow quarters (opaque), for the image scenes."""
    colours = (b"\x2f\x5f\xe0\xff", b"\xb3\x26\x1e\xff", b"\x1e\x8e\x3e\xff", b"\xf9\xab\x00\xff")
    h = n // 2
    return FakeImage(n, n, b"".join(colours[(y >= h) * 2 + (x >= h)] for y in range(n) for x in range(n)))


IMAGES = FakeImages()
IMAGES.load("/quarters.png", _quarters())


@pytest.fixture(scope="module")
def gpu() -> NativeGpu:
    try:
        return NativeGpu(IMAGES)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"no native WebGPU adapter (mesa-vulkan-drivers from scripts/system-deps.sh?): {exc}")


def view_ops(view: object, theme: Theme, w: int, h: int, scroll: dict[str, float] | None = None) -> list[Op]:
    m = TextMeasurer(approximate_width)
    b = Layout(m).run(view, w, h)  # type: ignore[arg-type]
    return scene.build(b, theme, width=w, height=h, text_width=m.width, scroll=scroll).ops


def scenes() -> dict[str, tuple[int, int, float, list[Op]]]:
    debug = initial_state("golden", "/debug")
    shapes: list[Op] = [
        Rect(0, 0, 320, 200, "#f7f7f8"),
        Rect(16, 16, 120, 64, "#ffffff", "#1b1d21", 1.0, 10.0, 12.0, "rgba(0,0,0,0.35)"),
        Rect(160, 16, 140, 64, "#2f5fe0", "#b3261e", 4.0, 32.0),
        Rect(16, 100, 64, 64, None, "#2f5fe0", 2.0, 32.0),
        Clip(100, 100, 80, 40), Rect(90, 90, 120, 120, "#b3261e", None, 0.0, 20.0),
        TextRun(100, 110, 100, 20, "clipped text run", "400 15px Inter", 15, "#ffffff"), PopClip(),
        Rect(200, 100, 100, 80, "rgba(47,95,224,0.5)", None, 0.0, 4.0), Rect(230, 130, 60, 40, "rgba(179,38,30,0.5)"),
    ]
    sizes = column(*(heading(f"Heading {n}", n) for n in (1, 2, 3)),
                   label("Body text at 15 px"), label("Caption at 12 px", font=Font(12)),
                   label("Mono 13 px", font=Font(13, mono=True)), padding=pad(12))
    rows = [box(label(f"Row {i}"), style=Style(padding=pad(6, 12), background="surface" if i % 2 else None))
            for i in range(200)]
    lst = box(virtual_list(rows, name="Rows", key="rows", height=240), style=Style(padding=pad(8)))
    sections = [box(sticky_header(f"Section {n}"), *(label(f"Item {n}.{i}") for i in range(8))) for n in range(3)]
    sticky = box(box(*sections, key="s", style=Style(scroll=True, height=200)), style=Style(padding=pad(8)))
    pictures = column(image("/quarters.png", "Quarters", width=64, height=64),
                      image("/quarters.png", "Quarters, wide", width=120, height=40), padding=pad(8))
    return {
        "shapes": (320, 200, 2.0, shapes),
        "text_sizes": (320, 220, 1.0, view_ops(sizes, LIGHT, 320, 220)),
        "scrolled_list": (240, 256, 1.0, view_ops(lst, LIGHT, 240, 256, {"rows": 300.0})),
        "sticky_headers": (240, 216, 1.0, view_ops(sticky, LIGHT, 240, 216, {"s": 150.0})),
        "images": (160, 140, 2.0, view_ops(pictures, LIGHT, 160, 140) + [Clip(100, 20, 40, 40),
                                                                          Image(90, 10, 60, 60, "/quarters.png"),
                                                                          PopClip()]),
        "debug_light": (480, 640, 1.0, view_ops(shell.view(debug), LIGHT, 480, 640)),
        "debug_dark_dialog": (480, 640, 1.0, view_ops(
            shell.view(debug.__class__(**{**debug.__dict__, "gallery": Gallery(dialog=True, name="Ada")})),
            DARK, 480, 640)),
    }


@pytest.mark.parametrize("name", list(scenes()))
def test_native_render_matches_the_golden_image(gpu: NativeGpu, name: str) -> None:
    width, height, dpr, ops = scenes()[name]
    backend = WebGpuBackend(gpu, images=IMAGES)
    backend.resize(width, height, dpr)
    backend.draw(ops)
    w, h = round(width * dpr), round(height * dpr)
    pixels = gpu.pixels()
    path = GOLDENS / f"{name}.png"
    if UPDATE or not path.exists():
        GOLDENS.mkdir(exist_ok=True)
        write_png(path, w, h, pixels)
        if not UPDATE:
            pytest.fail(f"no golden image yet: wrote {path}; check it and commit it")
    gw, gh, golden = read_png(path)
    assert (gw, gh) == (w, h)
    diffs = [abs(a - b) for i, (a, b) in enumerate(zip(pixels, golden, strict=True)) if i % 4 != 3]
    mean = sum(diffs) / len(diffs)
    far = sum(1 for d in diffs if d > 48) / (len(diffs) / 3)
    if mean > MEAN_TOLERANCE or far > FAR_TOLERANCE:
        write_png(path.with_suffix(".actual.png"), w, h, pixels)
    assert mean <= MEAN_TOLERANCE and far <= FAR_TOLERANCE, (name, mean, far)


def test_the_scene_is_not_blank(gpu: NativeGpu) -> None:
    """A guard against a golden of an empty frame: the shapes scene has its blue rect where expected."""
    backend = WebGpuBackend(gpu)
    backend.resize(320, 200, 1.0)
    backend.draw(scenes()["shapes"][3])
    px = gpu.pixels()
    at = (40 * 320 + 230) * 4  # inside the blue rounded rect
    assert px[at:at + 3] == bytes((0x2f, 0x5f, 0xe0))
