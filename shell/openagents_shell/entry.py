"""The shell's entry point in the browser: ``boot.js`` calls ``start(host)`` once Pyodide is up.

Only wiring: the browser hosts (``host/``), the app's reducer (``app``), the page views (``pages/``)
and the renderer (``render/``). ``host`` is boot.js's bridge (build id, connectivity, updates).
"""

from __future__ import annotations

import asyncio
from typing import Any

from openagents_shell.app import (
    AcceptUpdate,
    Effect,
    FullLoad,
    GalleryEdit,
    HostChanged,
    Intent,
    Navigate,
    PopState,
    PushState,
    Render,
    RendererChanged,
    SchemeChanged,
    State,
    boot,
    initial_state,
    reduce,
)
from openagents_shell.core.account import Answered, Call, CooldownTick, StartCooldown
from openagents_shell.core.runner import EffectRunner
from openagents_shell.host.canvas import JsCanvas2D, JsMeasure
from openagents_shell.host.cookies import CSRF_COOKIES, JsCookies
from openagents_shell.host.dom import JsDom
from openagents_shell.host.history import JsHistory
from openagents_shell.host.timers import JsTimers
from openagents_shell.host.window import JsWindow
from openagents_shell.pages import shell
from openagents_shell.render import policy
from openagents_shell.render.canvas2d import Canvas2DBackend
from openagents_shell.render.surface import Surface
from openagents_shell.ui.text import TextMeasurer
from openagents_shell.ui.theme import theme_for

__all__ = ["AcceptUpdate", "Runtime", "start"]

_runtime: Runtime | None = None


class Runtime:
    def __init__(self, host: Any) -> None:
        self.host = host
        self.window = JsWindow()
        self.history = JsHistory()
        self.state: State = initial_state(str(host.buildId), self.history.path(), online=bool(host.isOnline()),
                                          update_ready=bool(host.updateReady()),
                                          signed_in=any(JsCookies().get(n) for n in CSRF_COOKIES))
        self.state, _ = reduce(self.state, SchemeChanged(self.window.prefers_dark()))
        self.effects = EffectRunner(self.dispatch)
        self.effects.navigated(self.state.path)
        self._api: Any = None
        rows = self.window.query("rows")
        if rows and rows.isdigit() and self.state.route.name == "debug":
            self.state, _ = reduce(self.state, GalleryEdit("rows", min(int(rows), 100_000)))
        app = self.window.element("oa-app")
        self.canvas = self.window.create("canvas", class_="oa-canvas", aria_hidden="true")
        self.gpu_canvas: Any = None
        mirror = self.window.create("div")
        app.replaceChildren(self.canvas, mirror)
        self.canvas2d = Canvas2DBackend(JsCanvas2D(self.canvas))
        self.surface = Surface(dom=JsDom(), mirror_root=mirror, backend=self.canvas2d,
                               timers=JsTimers(), measurer=TextMeasurer(JsMeasure()), dispatch=self.dispatch,
                               navigate=lambda href: self.dispatch(Navigate(href)), copy=self.window.copy)
        self.surface.set_viewport(*self.window.viewport())
        self.window.on_resize(lambda: self.surface.set_viewport(*self.window.viewport()))
        self.window.on_scheme_change(lambda: self.dispatch(SchemeChanged(self.window.prefers_dark())))
        self.window.on_fonts_loaded(self.surface.fonts_changed)
        self.history.on_pop(lambda path: self.dispatch(PopState(path)))
        host.subscribe(self.window.callback(self._host_changed))

    def _host_changed(self) -> None:
        self.dispatch(HostChanged(online=bool(self.host.isOnline()), update_ready=bool(self.host.updateReady())))

    def dispatch(self, intent: Intent) -> None:
        self.state, effects = reduce(self.state, intent)
        self.effects.navigated(self.state.path)  # a navigation cancels the old page's requests
        for effect in effects:
            self._run(effect)

    def _run(self, effect: Effect) -> None:
        if isinstance(effect, PushState):
            self.history.push(effect.href)
        elif isinstance(effect, FullLoad):
            self.host.applyUpdate(effect.href)
        elif isinstance(effect, Render):
            self.render()
        elif isinstance(effect, Call):
            self.effects.spawn(lambda: self._call(effect), scope=effect.scope)
        elif isinstance(effect, StartCooldown):
            self.effects.spawn(lambda: self._cooldown(effect.seconds), scope=self.state.path)

    async def _client(self) -> Any:
        """The API client, once boot.js has loaded msgspec (after the first frame)."""
        if self._api is None:
            while not hasattr(self.host, "packagesReady"):
                await asyncio.sleep(0.01)
            await self.host.packagesReady()
            from openagents_shell.api.client import ApiClient
            from openagents_shell.host.fetch import JsClock, JsFetch

            self._api = ApiClient(JsFetch(), JsCookies(), JsClock())
        return self._api

    async def _call(self, call: Call) -> Answered:
        api = await self._client()
        from openagents_shell.api import types

        response = {"challenge": types.ChallengeSent, "signed_in": types.SignedIn, "profile": types.Profile}
        api.current_path = self.state.path
        return Answered(call.tag, await api.request(call.method, call.path, response[call.response], call.payload))

    async def _cooldown(self, seconds: int) -> None:
        for _ in range(seconds):
            await asyncio.sleep(1)
            self.dispatch(CooldownTick())

    def render(self) -> None:
        s = self.state
        self.surface.set_theme(theme_for(s.dark))
        self.surface.show(shell.view(s), shell.root_attrs(s))
        self.window.set_title(shell.title(s))

    def first_frame(self) -> None:
        self.dispatch(RendererChanged(self.surface.backend.name))
        self.surface.frame()  # synchronously: boot.js shows #oa-app right after start() returns
        self.state, effects = boot(self.state, self.history.href())  # the page's requests, after the frame
        for effect in effects:
            self._run(effect)
        self.window.expose_fn("stats", self.debug_stats)
        self.window.expose_fn("buildMs", self.build_ms)
        self._gpu_task = asyncio.ensure_future(self.start_gpu())

    def debug_stats(self) -> dict[str, Any]:
        """``window.__oa.stats()``: frames drawn and the last frames' timings (tests, benchmarks)."""
        hist = self.surface.history
        return {**self.surface.stats, "frames": self.surface.frames, "renderer": self.surface.backend.name,
                "frame_end": [h[0] for h in hist], "py_ms": [h[1] for h in hist], "draw_ms": [h[2] for h in hist]}

    def build_ms(self, n_rows: int = 100) -> dict[str, float]:
        """``window.__oa.buildMs(n)``: layout + display list of the sample page here, in Pyodide."""
        from openagents_shell.pages import sample

        return sample.build_ms(int(n_rows), JsMeasure(), JsTimers().now)

    async def start_gpu(self) -> None:
        """After the first frame: probe WebGPU and switch to it if the policy says so (``?gpu=``)."""
        request = policy.requested(self.window.query("gpu"))
        if request == policy.CANVAS2D:
            return
        from openagents_shell.host import gpu  # only now: WebGPU code never delays the first frame
        from openagents_shell.render.webgpu import WebGpuBackend

        try:
            adapter, info = await gpu.request_adapter()
        except Exception as exc:  # noqa: BLE001 - a broken WebGPU stack is "no adapter"
            self.window.warn(f"WebGPU adapter request failed: {exc}")
            adapter, info = None, None
        self.window.expose("adapter", None if info is None else {
            "vendor": info.vendor, "architecture": info.architecture, "fallback": info.fallback,
            "software": info.software})
        if policy.choose(request, info) != policy.WEBGPU:
            return
        canvas = self.window.create("canvas", class_="oa-canvas", aria_hidden="true", hidden="")
        try:
            provider = await gpu.JsGpu.create(adapter, canvas, self._device_lost)
            backend = WebGpuBackend(provider)
            self.canvas.before(canvas)
            self.surface.set_backend(backend)
        except Exception as exc:  # noqa: BLE001 - cannot start: stay on Canvas2D
            self.window.warn(f"WebGPU could not start, drawing with Canvas2D: {exc}")
            canvas.remove()
            return
        self.gpu_canvas = canvas
        canvas.hidden = False
        self.canvas.hidden = True
        self.dispatch(RendererChanged(policy.WEBGPU))
        self.window.expose_fn("loseDevice", lambda: provider.lose())

    def _device_lost(self, message: str) -> None:
        """Device loss: draw the same state with Canvas2D (the mirror keeps text, scroll and focus)."""
        self.window.warn(f"WebGPU device lost ({message}); drawing with Canvas2D")
        self.canvas.hidden = False
        if self.gpu_canvas is not None:
            self.gpu_canvas.remove()
            self.gpu_canvas = None
        self.surface.set_backend(self.canvas2d)
        self.dispatch(RendererChanged(policy.CANVAS2D))


def start(host: Any) -> None:
    """Render the first frame synchronously; later frames follow intents, in animation frames."""
    global _runtime
    _runtime = Runtime(host)
    _runtime.first_frame()
