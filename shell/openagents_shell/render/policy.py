"""Which backend draws: ``?gpu=webgpu|canvas2d|auto`` against what the browser offers.

``auto`` (the default) takes WebGPU only on a hardware adapter: on a software fallback adapter
(``isFallbackAdapter``, SwiftShader) an empty WebGPU frame costs ~18 ms where Canvas2D draws a whole
page in ~5 ms (../shared/reference/render-floors.md). A forced choice falls back to the other backend
when it cannot start (no adapter, no device, device lost).
"""

from __future__ import annotations

from dataclasses import dataclass

WEBGPU = "webgpu"
CANVAS2D = "canvas2d"
CHOICES = (WEBGPU, CANVAS2D, "auto")


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    vendor: str = ""
    architecture: str = ""
    description: str = ""
    fallback: bool = False

    @property
    def software(self) -> bool:
        names = f"{self.vendor} {self.architecture} {self.description}".lower()
        return self.fallback or any(s in names for s in ("swiftshader", "llvmpipe", "lavapipe", "software"))


def requested(query: str | None) -> str:
    """The ``gpu`` query parameter, or ``auto`` when absent or unknown."""
    value = (query or "auto").strip().lower()
    return value if value in CHOICES else "auto"


def choose(request: str, adapter: AdapterInfo | None) -> str:
    if request == CANVAS2D or adapter is None:
        return CANVAS2D
    if request == WEBGPU:
        return WEBGPU
    return CANVAS2D if adapter.software else WEBGPU
