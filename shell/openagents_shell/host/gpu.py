"""WebGPU in the browser: the adapter probe and the device provider of ``render/webgpu.py``.

wgpu-py's browser backend is a stub (0.32), so this module calls ``navigator.gpu`` through Pyodide's
``js``. Text runs are rasterised with an OffscreenCanvas 2D context (``fillText`` at the pixel ratio)
that mirrors the atlas texture, then copied with ``copyExternalImageToTexture``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import Object, OffscreenCanvas, navigator  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable, to_js  # type: ignore[import-not-found]

from openagents_shell.render import wgsl
from openagents_shell.render.policy import AdapterInfo
from openagents_shell.render.webgpu import IMAGE_FONT, Batch, RasterItem, image_radius

MIN_BUFFER = 64 * 1024
# GPUBufferUsage / GPUTextureUsage bits (the constants are not globals in every engine)
STORAGE, UNIFORM, COPY_DST = 0x80, 0x40, 0x08
TEX_COPY_DST, TEX_BINDING, TEX_RENDER = 0x02, 0x04, 0x10


def js(value: Any) -> Any:
    return to_js(value, dict_converter=Object.fromEntries)


def available() -> bool:
    """``navigator.gpu`` exists (WebGPU is on in this browser; an adapter may still be missing)."""
    return getattr(navigator, "gpu", None) is not None


async def request_adapter() -> tuple[Any, AdapterInfo | None]:
    gpu = getattr(navigator, "gpu", None)
    if gpu is None:
        return None, None
    adapter = await gpu.requestAdapter()
    if adapter is None:
        return None, None
    info = getattr(adapter, "info", None)
    fallback = bool(getattr(info, "isFallbackAdapter", False) or getattr(adapter, "isFallbackAdapter", False))
    return adapter, AdapterInfo(str(getattr(info, "vendor", "") or ""), str(getattr(info, "architecture", "") or ""),
                                str(getattr(info, "description", "") or ""), fallback)


class JsGpu:
    """A device, a canvas context, two pipelines, their buffers and the atlas texture."""

    def __init__(self, device: Any, canvas: Any, images: Any = None) -> None:
        self.device = device
        self.images = images  # host/images.JsImages: the decoded images the atlas draws
        self.canvas = canvas
        self.context = canvas.getContext("webgpu")
        self.format = navigator.gpu.getPreferredCanvasFormat()
        self.pipelines = {kind: self._pipeline(src) for kind, src in (("rects", wgsl.RECTS), ("text", wgsl.TEXT))}
        self.buffers: dict[str, Any] = {"view": self._buffer(16, UNIFORM | COPY_DST)}
        self.sizes: dict[str, int] = {}
        for kind in ("rects", "text"):
            self._storage(kind, MIN_BUFFER)
        self.sampler = device.createSampler(js({"magFilter": "linear", "minFilter": "linear"}))
        self.atlas_size = 0
        self.atlas: Any = None
        self.raster: Any = None
        self._ensure_atlas(1024)
        self._groups: dict[str, Any] = {}

    @classmethod
    async def create(cls, adapter: Any, canvas: Any, on_lost: Callable[[str], None], images: Any = None) -> JsGpu:
        device = await adapter.requestDevice()
        device.lost.then(create_once_callable(lambda info: on_lost(str(getattr(info, "message", "")))))
        return cls(device, canvas, images)

    def _pipeline(self, source: str) -> Any:
        module = self.device.createShaderModule(js({"code": source}))
        blend = {"color": {"srcFactor": "one", "dstFactor": "one-minus-src-alpha", "operation": "add"},
                 "alpha": {"srcFactor": "one", "dstFactor": "one-minus-src-alpha", "operation": "add"}}
        return self.device.createRenderPipeline(js({
            "layout": "auto",
            "vertex": {"module": module, "entryPoint": "vs"},
            "fragment": {"module": module, "entryPoint": "fs", "targets": [{"format": self.format, "blend": blend}]},
            "primitive": {"topology": "triangle-list"},
        }))

    def _buffer(self, size: int, usage: int) -> Any:
        return self.device.createBuffer(js({"size": size, "usage": usage}))

    def _storage(self, kind: str, size: int) -> None:
        if kind in self.buffers:
            self.buffers[kind].destroy()
        self.buffers[kind] = self._buffer(size, STORAGE | COPY_DST)
        self.sizes[kind] = size
        getattr(self, "_groups", {}).clear()

    def _ensure_atlas(self, size: int) -> None:
        if size == self.atlas_size:
            return
        if self.atlas is not None:
            self.atlas.destroy()
        self.atlas = self.device.createTexture(js({"size": [size, size], "format": "rgba8unorm",
                                                   "usage": TEX_COPY_DST | TEX_BINDING | TEX_RENDER}))
        self.raster = OffscreenCanvas.new(size, size).getContext("2d", js({"willReadFrequently": True}))
        self.raster.textBaseline = "middle"
        self.raster.fillStyle = "#fff"
        self.atlas_size = size
        getattr(self, "_groups", {}).clear()

    def _group(self, kind: str) -> Any:
        group = self._groups.get(kind)
        if group is None:
            entries = [{"binding": 0, "resource": {"buffer": self.buffers["view"]}},
                       {"binding": 1, "resource": {"buffer": self.buffers[kind]}}]
            if kind == "text":
                entries += [{"binding": 2, "resource": self.atlas.createView()},
                            {"binding": 3, "resource": self.sampler}]
            group = self._groups[kind] = self.device.createBindGroup(js({
                "layout": self.pipelines[kind].getBindGroupLayout(0), "entries": entries}))
        return group

    # ---- GpuProvider ------------------------------------------------------------------------
    def configure(self, width_px: int, height_px: int, dpr: float) -> None:
        self.canvas.width, self.canvas.height = width_px, height_px
        self.context.configure(js({"device": self.device, "format": self.format, "alphaMode": "opaque"}))

    def write(self, which: str, data: bytes | bytearray) -> None:
        if which != "view" and len(data) > self.sizes[which]:
            size = self.sizes[which]
            while size < len(data):
                size *= 2
            self._storage(which, size)
        self.device.queue.writeBuffer(self.buffers[which], 0, to_js(memoryview(data)))

    def rasterize(self, items: list[RasterItem], atlas_size: int, reset: bool) -> None:
        self._ensure_atlas(atlas_size)
        ctx = self.raster
        if reset:
            ctx.clearRect(0, 0, atlas_size, atlas_size)
        x0 = y0 = atlas_size
        x1 = y1 = 0
        for slot, text, font, line_h, dpr in items:
            if font.startswith(IMAGE_FONT):  # an image, drawn at its box's device-pixel size
                ctx.setTransform(1, 0, 0, 1, 0, 0)
                ctx.clearRect(slot.x, slot.y, slot.w, slot.h)
                img = self.images.get(text) if self.images is not None else None
                if img is not None:
                    ctx.save()
                    ctx.beginPath()
                    ctx.roundRect(slot.x, slot.y, slot.w, slot.h, image_radius(font) * dpr)
                    ctx.clip()
                    ctx.drawImage(img, slot.x, slot.y, slot.w, slot.h)
                    ctx.restore()
            else:
                ctx.clearRect(slot.x, slot.y, slot.w, slot.h)
                ctx.setTransform(dpr, 0, 0, dpr, slot.x + 1, slot.y)
                ctx.font = font
                ctx.fillText(text, 0, line_h / 2)
            x0, y0 = min(x0, slot.x), min(y0, slot.y)
            x1, y1 = max(x1, slot.x + slot.w), max(y1, slot.y + slot.h)
        ctx.setTransform(1, 0, 0, 1, 0, 0)
        if reset:
            x0, y0, x1, y1 = 0, 0, atlas_size, atlas_size
        if x1 > x0 and y1 > y0:
            self.device.queue.copyExternalImageToTexture(
                js({"source": ctx.canvas, "origin": [x0, y0]}),
                js({"texture": self.atlas, "origin": [x0, y0]}), js([x1 - x0, y1 - y0]))

    def draw(self, batches: list[Batch], clear: tuple[float, float, float, float]) -> None:
        encoder = self.device.createCommandEncoder()
        r, g, b, a = clear
        render = encoder.beginRenderPass(js({"colorAttachments": [{
            "view": self.context.getCurrentTexture().createView(), "loadOp": "clear", "storeOp": "store",
            "clearValue": {"r": r, "g": g, "b": b, "a": a}}]}))
        current = None
        for kind, first, count, (sx, sy, sw, sh) in batches:
            if kind != current:
                render.setPipeline(self.pipelines[kind])
                render.setBindGroup(0, self._group(kind))
                current = kind
            render.setScissorRect(sx, sy, sw, sh)
            render.draw(count * 6, 1, first * 6, 0)
        render.end()
        self.device.queue.submit(js([encoder.finish()]))

    def lose(self) -> None:
        """The test hook: destroying the device resolves ``device.lost`` as a real loss would."""
        self.device.destroy()
