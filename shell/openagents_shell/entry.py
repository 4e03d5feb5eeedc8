"""The shell's entry point in the browser: ``boot.js`` calls ``start(host)`` once Pyodide is up.

Only wiring: the browser hosts (``host/``), the app's reducer (``app``), the page views (``pages/``)
and the renderer (``render/``). ``host`` is boot.js's bridge (build id, connectivity, updates).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from typing import Any

from openagents_shell.app.effects import Effect, FullLoad, PushState, Render
from openagents_shell.app.intents import (
    AcceptUpdate,
    GalleryEdit,
    HostChanged,
    Intent,
    Navigate,
    PopState,
    RendererChanged,
    RequestsSlow,
    SchemeChanged,
)
from openagents_shell.app.reducer import boot, reduce
from openagents_shell.app.state import State, initial_state
from openagents_shell.core.account import Answered, Call, CooldownTick, StartCooldown
from openagents_shell.core.chat import (
    TRANSCRIPT,
    ChatDraft,
    ChatScrolled,
    Later,
    LoadDraft,
    SaveDraft,
    ScrollToEnd,
    forget_drafts,
)
from openagents_shell.core.l402 import Poll, PollLater
from openagents_shell.core.runner import EffectRunner
from openagents_shell.core.session import Later as SessionLater
from openagents_shell.core.social.feed import ScrollToTop
from openagents_shell.core.social.shared import StartTicker, Tick
from openagents_shell.host.canvas import JsCanvas2D, JsMeasure
from openagents_shell.host.cookies import CSRF_COOKIES, JsCookies
from openagents_shell.host.dom import JsDom
from openagents_shell.host.history import JsHistory
from openagents_shell.host.images import JsImages
from openagents_shell.host.timers import JsTimers
from openagents_shell.host.window import JsWindow
from openagents_shell.pages import shell
from openagents_shell.render import policy
from openagents_shell.render.canvas2d import Canvas2DBackend
from openagents_shell.render.surface import Surface
from openagents_shell.sync.live import ForgetUser, Listen, SyncCommand, SyncInfo, Unlisten, WatchSync
from openagents_shell.ui.text import TextMeasurer
from openagents_shell.ui.theme import theme_for

__all__ = ["AcceptUpdate", "Runtime", "start"]

_runtime: Runtime | None = None
SPINNER_AFTER_S = 0.15
#: The transcript counts as scrolled to its end within this many pixels of it.
AT_END_PX = 24.0


class Runtime:
    def __init__(self, host: Any) -> None:
        self.host = host
        self.window = JsWindow()
        self.history = JsHistory()
        self.state: State = initial_state(str(host.buildId), self.history.path(), online=bool(host.isOnline()),
                                          update_ready=bool(host.updateReady()),
                                          signed_in=any(JsCookies().get(n) for n in CSRF_COOKIES))
        self.state, _ = reduce(self.state, SchemeChanged(self.window.prefers_dark()))
        # request ids of this page load (``turn-<nonce>-<n>``): unique per load, stable across a request's retries
        self.state = replace(self.state, chat=replace(self.state.chat, nonce=secrets.token_hex(6)))
        self.effects = EffectRunner(self.dispatch)
        self.effects.navigated(self.state.path)
        self._api: Any = None
        self.sync: Any = None  # sync/runtime.LiveSync, once msgspec and protobuf are loaded
        self._sync_ops: list[Any] = []
        self._sync_task: Any = None
        self.store: Any = None  # sync/storage.SyncStore (IndexedDB openagents.web.sync)
        self.telemetry: Any = None  # sync/telemetry.Telemetry, once msgspec is loaded (``_telemetry``)
        self._pending_calls = 0
        self._bench_result: Any = None
        self._remembered: str | None = None
        self._slow_task: Any = None
        rows = self.window.query("rows")
        if rows and rows.isdigit() and self.state.route.name == "debug":
            self.state, _ = reduce(self.state, GalleryEdit("rows", min(int(rows), 100_000)))
        app = self.window.element("oa-app")
        self.canvas = self.window.create("canvas", class_="oa-canvas", aria_hidden="true")
        self.gpu_canvas: Any = None
        mirror = self.window.create("div")
        app.replaceChildren(self.canvas, mirror)
        self.images = JsImages()
        self.canvas2d = Canvas2DBackend(JsCanvas2D(self.canvas), self.images)
        self.surface = Surface(dom=JsDom(), mirror_root=mirror, backend=self.canvas2d,
                               timers=JsTimers(), measurer=TextMeasurer(JsMeasure()), dispatch=self.dispatch,
                               navigate=lambda href: self.dispatch(Navigate(href)), copy=self.window.copy,
                               on_scroll=self._scrolled)
        self.surface.set_viewport(*self.window.viewport())
        self.images.on_load(self.surface.repaint)
        # Page-level wheels (Pygments, segno: ADR 0308) load when a view first asks; then draw again.
        from openagents_shell.core.lazy_packages import packages
        from openagents_shell.host.packages import PyodidePackageLoader

        packages.install(PyodidePackageLoader(host), on_change=self.render)
        self.window.on_resize(lambda: self.surface.set_viewport(*self.window.viewport()))
        self.window.on_scheme_change(lambda: self.dispatch(SchemeChanged(self.window.prefers_dark())))
        self.window.on_fonts_loaded(self.surface.fonts_changed)
        self.history.on_pop(lambda path: self.dispatch(PopState(path)))
        host.subscribe(self.window.callback(self._host_changed))

    def _scrolled(self, nid: str, top: float, end: float) -> None:
        """The transcript tells the chat whether it is at its end (it follows the stream only then)."""
        if nid == TRANSCRIPT:
            at_end = top >= end - AT_END_PX
            if at_end != self.state.chat.follow:
                self.dispatch(ChatScrolled(at_end))

    def _host_changed(self) -> None:
        self.dispatch(HostChanged(online=bool(self.host.isOnline()), update_ready=bool(self.host.updateReady())))

    def dispatch(self, intent: Intent) -> None:
        self.state, effects = reduce(self.state, intent)
        self.effects.navigated(self.state.path)  # a navigation cancels the old page's requests
        for effect in effects:
            self._run(effect)
        if self.state.me.id or not self.state.signed_in:
            self._remember_me()
        if self.sync is not None:
            self.sync.navigated(self.state.path)  # a navigation ends the old page's listens
            self.sync.set_signed_in(self.state.signed_in)
            self.sync.set_online(self.state.online)

    def _run(self, effect: Effect) -> None:
        if isinstance(effect, PushState):
            self.history.push(effect.href)
        elif isinstance(effect, FullLoad):
            self.host.applyUpdate(effect.href)
        elif isinstance(effect, Render):
            self.render()
        elif isinstance(effect, Call):
            self.effects.spawn(lambda: self._call(effect), scope=effect.scope)
            self._requests_started()
        elif isinstance(effect, StartCooldown):
            self.effects.spawn(lambda: self._cooldown(effect.seconds), scope=self.state.path)
        elif isinstance(effect, PollLater):
            self.effects.spawn(lambda: self._poll_later(effect.seconds), scope=effect.scope)
        elif isinstance(effect, StartTicker):
            self.effects.spawn(lambda: self._ticker(effect.seconds), scope=effect.scope)
        elif isinstance(effect, ScrollToTop):
            self.surface.scroll_to(effect.key, 0.0)
        elif isinstance(effect, Later):
            self.effects.spawn(lambda: self._later(effect), scope=effect.scope)
        elif isinstance(effect, SaveDraft):
            self._storage().set(effect.key, effect.text)
        elif isinstance(effect, ScrollToEnd):
            self.surface.follow_end(effect.key)
        elif isinstance(effect, LoadDraft):
            text = self._storage().get(effect.key)
            if text:
                self.effects.spawn(lambda: self._now(ChatDraft(text)), scope=effect.scope)
        elif isinstance(effect, Listen):
            self._with_sync(lambda sync: sync.listen(effect.topic, effect.scope, effect.after, effect.exact))
        elif isinstance(effect, Unlisten):
            self._with_sync(lambda sync: sync.unlisten(effect.topic))
        elif isinstance(effect, SyncCommand):
            self._with_sync(lambda sync: asyncio.ensure_future(self._sync_command(effect.kind)))
        elif isinstance(effect, SessionLater):
            self.effects.spawn(lambda: self._session_later(effect.seconds, effect.intent), scope=None)
        elif isinstance(effect, ForgetUser):
            forget_drafts(self._storage(), effect.user_id)  # their unsent drafts leave this browser too
            self._with_sync(lambda sync: asyncio.ensure_future(self.store.clear_partition(f"user:{effect.user_id}"))
                            if self.store is not None else None)
        elif isinstance(effect, WatchSync):
            self._with_sync(lambda sync: None)  # start the runtime, so there is something to watch
            self.effects.spawn(self._watch_sync, scope=effect.scope)

    async def _sync_command(self, kind: str) -> None:
        if kind == "reset" and self.store is not None:
            await self.store.reset_all()
            for channel in self.sync.channels.values():
                channel.machine.watermarks = {}
        self.sync.reconnect()

    async def _watch_sync(self) -> None:
        """``/debug``: the runtime's counters every second while the page is shown."""
        while True:
            if self.sync is not None:
                info: dict[str, Any] = self.sync.debug()
                if self.store is not None:
                    info["store"] = {"bytes": await self.store.usage_bytes(), "durable": self.store.durable,
                                     "resets": list(self.store.resets), "writes": self.store.writes}
                self.dispatch(SyncInfo(info))
            await asyncio.sleep(1)

    def _storage(self) -> Any:
        from openagents_shell.host.storage import JsStorage

        return JsStorage()

    async def _now(self, intent: Any) -> Any:
        return intent

    async def _later(self, effect: Later) -> Any:
        await asyncio.sleep(effect.seconds)
        return effect.intent

    def _with_sync(self, op: Any) -> None:
        """Run ``op(LiveSync)`` now, or once the sync runtime has started (after the deferred packages)."""
        if self.sync is not None:
            op(self.sync)
            return
        self._sync_ops.append(op)
        if self._sync_task is None:
            self._sync_task = asyncio.ensure_future(self._start_sync())

    async def _start_sync(self) -> None:
        api = await self._client()
        from openagents_shell.host.fetch import JsClock, JsFetch
        from openagents_shell.host.idb import JsKeyValueDb
        from openagents_shell.host.socket import JsSockets
        from openagents_shell.sync.runtime import Channel, LiveSync
        from openagents_shell.sync.storage import SyncStore

        telemetry = await self._telemetry()

        def reset(r: Any) -> None:
            self.window.warn(f"local sync data reset: {r.reason_code} {r.note}".rstrip())
            telemetry.storage_reset(r.telemetry())

        store = self.store = SyncStore(JsKeyValueDb(), on_reset=reset)
        await store.open()
        self.window.on_hidden(lambda: asyncio.ensure_future(store.flush()))
        self._restore_me(store)
        sync = LiveSync(lambda name: Channel(name, api=api, fetch=JsFetch(), sockets=JsSockets(), clock=JsClock(),
                                             store=store, dispatch=self.dispatch, build_id=self.state.build_id,
                                             report=telemetry.record))
        sync.set_signed_in(self.state.signed_in)
        sync.set_online(self.state.online)
        self.sync = sync
        for op in self._sync_ops:
            op(sync)
        self._sync_ops.clear()
        sync.navigated(self.state.path)
        self.window.expose_fn("sync", sync.debug)
        self.window.expose_fn("benchKhala", self._bench_khala)
        self.window.expose_fn("benchKhalaResult", lambda: self._bench_result)

    async def _telemetry(self) -> Any:
        """The page's one telemetry queue, started once the deferred packages (msgspec) are loaded."""
        await self._client()
        if self.telemetry is None:
            self.telemetry = self._start_telemetry()
        return self.telemetry

    def _fell_back(self, reason: str) -> None:
        """Canvas2D draws where WebGPU was wanted: a ``renderer_fallback`` event (``render/policy``'s code)."""
        self.window.expose("rendererFallback", reason)

        async def report() -> None:
            (await self._telemetry()).renderer_fallback(reason)

        asyncio.ensure_future(report())

    def _start_telemetry(self) -> Any:
        """Client telemetry (``sync/telemetry.py``): every 10 s, and by beacon when the page is hidden."""
        from openagents_shell.host.beacon import JsBeacon
        from openagents_shell.host.fetch import JsClock, JsFetch
        from openagents_shell.sync.telemetry import Telemetry

        # Not a keepalive fetch: with one, the shell behind a gateway answering 5xx for a dead backend
        # reported itself online (e2e test_a_proxy_answering_for_a_dead_backend…; cause not yet
        # understood). What is queued when the page goes leaves by beacon.
        telemetry = Telemetry(build_id=self.state.build_id, fetch=JsFetch(), beacon=JsBeacon(),
                              clock=JsClock())
        telemetry.start()
        self.window.on_hidden(telemetry.page_hidden)
        self.window.expose_fn("telemetry", telemetry.debug)
        return telemetry

    def _restore_me(self, store: Any) -> None:
        """Signed in, and /api/me has not answered (offline?): the last person and their notifications."""
        from openagents_shell.core.session import Me, Notice, Restored, notifications_topic

        cached = store.view("me")
        if not self.state.signed_in or self.state.me.id or not isinstance(cached, dict) or not cached.get("id"):
            return
        me = Me(str(cached["id"]), str(cached.get("email", "")), str(cached.get("name", "")))
        docs = store.documents_of(f"user:{me.id}", notifications_topic(me.id))
        from openagents_shell.core.session import _notice_text

        items = tuple(Notice(key, _notice_text(body, key), w) for key, _v, w, body in reversed(docs))
        self.dispatch(Restored(me, items[:50]))

    def _remember_me(self) -> None:
        """Keep the signed-in person in IndexedDB's view state (cleared at sign-out)."""
        me = self.state.me
        if self.store is None or me.id == self._remembered:
            return
        self._remembered = me.id
        asyncio.ensure_future(self.store.put_view("me", {"id": me.id, "email": me.email, "name": me.name}
                                                  if me.id else None))

    def _bench_khala(self, n_frames: int = 50) -> None:
        """``window.__oa.benchKhala(n)``: time the Khala client's hot path here (``sync/bench.py``);
        ``benchKhalaResult()`` has the figures when done (bench/shell_live.py)."""
        from openagents_shell.sync import bench

        self._bench_result: Any = None

        async def go() -> None:
            self._bench_result = await bench.run(bench.frames(int(n_frames)))

        asyncio.ensure_future(go())

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
        try:
            return await self._request(call)
        finally:
            self._pending_calls -= 1

    async def _request(self, call: Call) -> Answered:
        api = await self._client()
        from openagents_shell.api import types
        from openagents_shell.api.admin_types import RESPONSES as ADMIN_RESPONSES
        from openagents_shell.api.runtime import RESPONSES as RUNTIME_RESPONSES
        from openagents_shell.api.social import RESPONSES as SOCIAL_RESPONSES

        # Each page's response shapes; issue 19's (types.RESPONSES) last: its ``Me`` is the fullest.
        response = {"autopilot": types.Autopilot, "autopilot_list": types.AutopilotList,
                    "autopilot_profile": types.AutopilotProfile, "thread_list": types.ThreadList,
                    "thread_detail": types.ThreadDetail, "run_accepted": types.RunAccepted, "l402": dict,
                    "approval": dict,
                    **RUNTIME_RESPONSES, **ADMIN_RESPONSES, **SOCIAL_RESPONSES, **types.RESPONSES}
        api.current_path = self.state.path
        return Answered(call.tag, await api.request(call.method, call.path, response[call.response],
                                                    call.payload))

    async def _session_later(self, seconds: float, intent: Any) -> Any:
        await asyncio.sleep(seconds)
        return intent

    def _requests_started(self) -> None:
        """The 150 ms spinner rule: the header's spinner shows only while requests are pending longer."""
        self._pending_calls += 1
        if self._slow_task is None or self._slow_task.done():
            self._slow_task = asyncio.ensure_future(self._watch_slow())

    async def _watch_slow(self) -> None:
        await asyncio.sleep(SPINNER_AFTER_S)
        if self._pending_calls > 0:
            self.dispatch(RequestsSlow(True))
            while self._pending_calls > 0:
                await asyncio.sleep(0.05)
            self.dispatch(RequestsSlow(False))

    async def _poll_later(self, seconds: float) -> Poll:
        await asyncio.sleep(seconds)
        return Poll()  # dispatched only if the person is still on the page (the runner's scope)

    async def _cooldown(self, seconds: int) -> None:
        for _ in range(seconds):
            await asyncio.sleep(1)
            self.dispatch(CooldownTick())

    async def _ticker(self, seconds: int) -> None:
        """Relative times ("5 min ago") move on while a page shows them."""
        import time

        while True:
            self.dispatch(Tick(time.time()))
            await asyncio.sleep(seconds)

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
        self.window.expose_fn("packages", self._packages_snapshot)
        self._gpu_task = asyncio.ensure_future(self.start_gpu())
        if self.state.signed_in:  # the person's topic and what IndexedDB kept for them, even offline
            self._with_sync(lambda sync: None)

    @staticmethod
    def _packages_snapshot() -> dict[str, Any]:
        """``window.__oa.packages()``: the page-level wheels' states and the loads started (e2e)."""
        from openagents_shell.core.lazy_packages import packages

        return packages.snapshot()

    def debug_stats(self) -> dict[str, Any]:
        """``window.__oa.stats()``: frames drawn and the last frames' timings (tests, benchmarks)."""
        hist = self.surface.history
        return {**self.surface.stats, "frames": self.surface.frames, "renderer": self.surface.backend.name,
                "pending_calls": self._pending_calls,
                "images": getattr(self.surface.backend, "stats", {}).get("images", 0.0),
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
        self.window.mark("oa-gpu-probe")  # the renderer's start, apart from app-ready (bench/render_frames.py)
        from openagents_shell.host import gpu  # only now: WebGPU code never delays the first frame
        from openagents_shell.render.webgpu import WebGpuBackend

        missing = policy.NO_ADAPTER if gpu.available() else policy.FLAG_OFF
        try:
            adapter, info = await gpu.request_adapter()
            self.window.mark("oa-gpu-adapter")
        except Exception as exc:  # noqa: BLE001 - a broken WebGPU stack is "no adapter"
            self.window.warn(f"WebGPU adapter request failed: {exc}")
            adapter, info, missing = None, None, policy.ADAPTER_ERROR
        self.window.expose("adapter", None if info is None else {
            "vendor": info.vendor, "architecture": info.architecture, "fallback": info.fallback,
            "software": info.software})
        if policy.choose(request, info) != policy.WEBGPU:
            reason = policy.fallback(request, info, missing)
            if reason is not None:
                self._fell_back(reason)
            return
        canvas = self.window.create("canvas", class_="oa-canvas", aria_hidden="true", hidden="")
        try:
            provider = await gpu.JsGpu.create(adapter, canvas, self._device_lost, self.images)
            backend = WebGpuBackend(provider, images=self.images)
            self.window.mark("oa-gpu-device")  # device, pipelines, buffers and the atlas texture
            self.canvas.before(canvas)
            self.surface.set_backend(backend)
        except Exception as exc:  # noqa: BLE001 - cannot start: stay on Canvas2D
            self.window.warn(f"WebGPU could not start, drawing with Canvas2D: {exc}")
            canvas.remove()
            self._fell_back(policy.DEVICE_ERROR)
            return
        self.gpu_canvas = canvas
        canvas.hidden = False
        self.canvas.hidden = True
        self.dispatch(RendererChanged(policy.WEBGPU))
        self.surface.frame()  # the first WebGPU frame now, not in the next animation frame
        self.window.mark("oa-gpu-first-frame")
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
        self._fell_back(policy.DEVICE_LOST)


def start(host: Any) -> None:
    """Render the first frame synchronously; later frames follow intents, in animation frames."""
    global _runtime
    from js import performance  # type: ignore[import-not-found]

    performance.mark("oa-shell-imported")  # py-ready → here: importing the shell's modules (bench/boot.py)
    _runtime = Runtime(host)
    performance.mark("oa-runtime")  # the hosts, the surface, the first state
    _runtime.first_frame()
