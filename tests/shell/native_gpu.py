"""The native device provider of ``render/webgpu.py``: the same WGSL and packing, on ``wgpu`` (wgpu-py)
off-screen, which on this machine runs on lavapipe (Mesa's CPU Vulkan). Used by the golden tests.

Text runs are rasterised here as one solid bar per character (0.55 em wide, 0.7 em tall): there is no
canvas ``fillText`` natively. Images come from ``images`` (``FakeImages``: RGBA pixels), scaled to their
atlas slot by nearest neighbour. That keeps the atlas, its texture coordinates and the tint under test;
real glyph shapes are compared in the browser (WebGPU vs Canvas2D screenshots, e2e).
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import wgpu
from openagents_shell.host.fake import FakeImages
from openagents_shell.render import wgsl
from openagents_shell.render.webgpu import IMAGE_FONT, Batch, RasterItem

FORMAT = wgpu.TextureFormat.rgba8unorm
_BLEND = {"src_factor": wgpu.BlendFactor.one, "dst_factor": wgpu.BlendFactor.one_minus_src_alpha,
          "operation": wgpu.BlendOperation.add}


class NativeGpu:
    def __init__(self, images: FakeImages | None = None) -> None:
        self.images = images
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
        self.adapter_info = dict(adapter.info)
        self.device = adapter.request_device_sync()
        self.pipelines = {kind: self._pipeline(src) for kind, src in (("rects", wgsl.RECTS), ("text", wgsl.TEXT))}
        usage = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST
        self.buffers = {"view": self.device.create_buffer(size=16, usage=wgpu.BufferUsage.UNIFORM | wgpu.BufferUsage.COPY_DST),
                        "rects": self.device.create_buffer(size=1 << 20, usage=usage),
                        "text": self.device.create_buffer(size=1 << 20, usage=usage)}
        self.sampler = self.device.create_sampler(mag_filter="linear", min_filter="linear")
        self.atlas_size = 0
        self.atlas = None
        self.atlas_pixels = bytearray()
        self.target = None
        self.size = (1, 1)

    def _pipeline(self, source: str) -> wgpu.GPURenderPipeline:
        module = self.device.create_shader_module(code=source)
        return self.device.create_render_pipeline(
            layout=wgpu.AutoLayoutMode.auto,
            vertex={"module": module, "entry_point": "vs"},
            fragment={"module": module, "entry_point": "fs",
                      "targets": [{"format": FORMAT, "blend": {"color": _BLEND, "alpha": _BLEND}}]},
            primitive={"topology": wgpu.PrimitiveTopology.triangle_list})

    # ---- GpuProvider ------------------------------------------------------------------------
    def configure(self, width_px: int, height_px: int, dpr: float) -> None:
        self.size = (width_px, height_px)
        self.target = self.device.create_texture(
            size=(width_px, height_px, 1), format=FORMAT,
            usage=wgpu.TextureUsage.RENDER_ATTACHMENT | wgpu.TextureUsage.COPY_SRC)

    def write(self, which: str, data: bytes | bytearray) -> None:
        self.device.queue.write_buffer(self.buffers[which], 0, bytes(data))

    def rasterize(self, items: list[RasterItem], atlas_size: int, reset: bool) -> None:
        if atlas_size != self.atlas_size or self.atlas is None:
            self.atlas_size = atlas_size
            self.atlas = self.device.create_texture(
                size=(atlas_size, atlas_size, 1), format=FORMAT,
                usage=wgpu.TextureUsage.TEXTURE_BINDING | wgpu.TextureUsage.COPY_DST)
            self.atlas_pixels = bytearray(atlas_size * atlas_size * 4)
        elif reset:
            self.atlas_pixels = bytearray(atlas_size * atlas_size * 4)
        px = self.atlas_pixels
        for slot, text, font, line_h, dpr in items:
            if font.startswith(IMAGE_FONT):
                img = self.images.get(text) if self.images is not None else None
                for y in range(slot.h):
                    if img is None:
                        break
                    sy = y * img.height // slot.h
                    row = ((slot.y + y) * self.atlas_size + slot.x) * 4
                    px[row:row + slot.w * 4] = b"".join(
                        img.rgba[(sy * img.width + x * img.width // slot.w) * 4:][:4] for x in range(slot.w))
                continue
            size = float(re.search(r"([\d.]+)px", font).group(1)) * dpr  # type: ignore[union-attr]
            bar_w, bar_h = max(1, round(size * 0.55) - 1), max(1, round(size * 0.7))
            top = slot.y + (slot.h - bar_h) // 2
            for i, ch in enumerate(text):
                if ch == " ":
                    continue
                x0 = slot.x + 1 + round(i * size * 0.55)
                for y in range(top, min(top + bar_h, slot.y + slot.h)):
                    row = (y * self.atlas_size + x0) * 4
                    end = min(x0 + bar_w, slot.x + slot.w)
                    px[row:row + (end - x0) * 4] = b"\xff\xff\xff\xff" * max(0, end - x0)
        self.device.queue.write_texture({"texture": self.atlas, "origin": (0, 0, 0), "mip_level": 0}, bytes(px),
                                        {"offset": 0, "bytes_per_row": atlas_size * 4, "rows_per_image": atlas_size},
                                        (atlas_size, atlas_size, 1))

    def draw(self, batches: list[Batch], clear: tuple[float, float, float, float]) -> None:
        encoder = self.device.create_command_encoder()
        r, g, b, a = clear
        rp = encoder.begin_render_pass(color_attachments=[{
            "view": self.target.create_view(), "load_op": wgpu.LoadOp.clear, "store_op": wgpu.StoreOp.store,
            "clear_value": (r, g, b, a)}])
        groups = {}
        for kind, first, count, (sx, sy, sw, sh) in batches:
            if kind not in groups:
                entries = [{"binding": 0, "resource": {"buffer": self.buffers["view"]}},
                           {"binding": 1, "resource": {"buffer": self.buffers[kind]}}]
                if kind == "text":
                    entries += [{"binding": 2, "resource": self.atlas.create_view()},
                                {"binding": 3, "resource": self.sampler}]
                groups[kind] = self.device.create_bind_group(layout=self.pipelines[kind].get_bind_group_layout(0),
                                                             entries=entries)
            rp.set_pipeline(self.pipelines[kind])
            rp.set_bind_group(0, groups[kind])
            rp.set_scissor_rect(sx, sy, sw, sh)
            rp.draw(count * 6, 1, first * 6, 0)
        rp.end()
        self.device.queue.submit([encoder.finish()])

    def pixels(self) -> bytes:
        w, h = self.size
        return bytes(self.device.queue.read_texture(
            {"texture": self.target, "origin": (0, 0, 0), "mip_level": 0},
            {"offset": 0, "bytes_per_row": w * 4, "rows_per_image": h}, (w, h, 1)))


# ---- PNG (RGBA, 8 bit, filter 0) without an imaging library ------------------------------------
def write_png(path: Path, width: int, height: int, rgba: bytes) -> None:
    raw = b"".join(b"\x00" + rgba[y * width * 4:(y + 1) * width * 4] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def read_png(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    pos, idat = 8, b""
    width = height = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    return width, height, b"".join(raw[y * stride + 1:(y + 1) * stride] for y in range(height))
