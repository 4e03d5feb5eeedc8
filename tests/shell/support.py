"""A Surface over the CPython fakes (tiny DOM, recording canvas, manual frames)."""

from __future__ import annotations

from typing import Any

from openagents_shell.host.fake import FakeDom, FakeImages, ManualTimers, RecordingCanvas
from openagents_shell.render.canvas2d import Canvas2DBackend
from openagents_shell.render.surface import Surface
from openagents_shell.ui.text import TextMeasurer, approximate_width


class Harness:
    def __init__(self, width: float = 1280, height: float = 800) -> None:
        self.dom = FakeDom()
        self.canvas = RecordingCanvas()
        self.images = FakeImages()
        self.timers = ManualTimers()
        self.intents: list[Any] = []
        self.navigated: list[str] = []
        self.copied: list[str] = []
        self.surface = Surface(dom=self.dom, mirror_root=self.dom.root, backend=Canvas2DBackend(self.canvas, self.images),
                               timers=self.timers, measurer=TextMeasurer(approximate_width),
                               dispatch=self.intents.append, navigate=self.navigated.append,
                               copy=self.copied.append)
        self.surface.set_viewport(width, height, 1.0)
        self.images.on_load(self.surface.repaint)

    def frame(self) -> int:
        return self.timers.run_frames()
