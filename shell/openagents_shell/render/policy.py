"""Which backend draws: ``?gpu=webgpu|canvas2d|auto`` against what the browser offers.

``auto`` (the default) takes WebGPU only on a hardware adapter: on a software fallback adapter
(``isFallbackAdapter``, SwiftShader) an empty WebGPU frame costs ~18 ms where Canvas2D draws a whole
page in ~5 ms (../shared/reference/render-floors.md). A forced choice falls back to the other backend
when it cannot start (no adapter, no device, device lost).

A fallback — Canvas2D draws where WebGPU was wanted — is reported as client telemetry
(``renderer_fallback``) with one of the reason codes below; Canvas2D by choice (``?gpu=canvas2d``,
or ``auto`` on a software adapter) is not a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass

WEBGPU = "webgpu"
CANVAS2D = "canvas2d"
CHOICES = (WEBGPU, CANVAS2D, "auto")
# why Canvas2D draws where WebGPU was wanted (the telemetry contract's RendererFallbackTelemetry.reason_code)
FLAG_OFF = "flag_off"  # no navigator.gpu: WebGPU is off (or absent) in this browser
NO_ADAPTER = "no_adapter"  # requestAdapter() answered null
ADAPTER_ERROR = "adapter_error"  # requestAdapter() threw
DEVICE_ERROR = "device_error"  # the device, pipelines or buffers could not be created
DEVICE_LOST = "device_lost"  # WebGPU drew, then the device was lost


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


def fallback(request: str, adapter: AdapterInfo | None, missing: str = NO_ADAPTER) -> str | None:
    """After the adapter probe: the fallback's reason code when Canvas2D must draw although WebGPU was
    wanted (``missing``: why there is no adapter), or None when WebGPU draws or Canvas2D is the choice."""
    if request == CANVAS2D or choose(request, adapter) == WEBGPU:
        return None
    return missing if adapter is None else None  # with an adapter, only auto's software default is left
