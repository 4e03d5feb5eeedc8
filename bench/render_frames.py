"""Render benchmarks (issue 26). Not a test: prints baselines and our figures from one run.

1. Scrolling a 1 000-row list, 40 px per animation frame, 150 frames, frame interval p50/p95 (rAF
   timestamps) in the same run: ours on Canvas2D (default flags), ours on WebGPU (WebGPU flag set,
   ``?gpu=webgpu``), a plain DOM list of the same rows, and a hand-written JS WebGPU scene with our
   WGSL and the same draw counts (rects and text quads per frame as ours drew). Our own per-frame
   Python work (layout, display list, mirror diff, packing and JS calls) is reported apart.
2. Keystroke → drawn frame in a text field (Canvas2D and WebGPU).
3. Idle page: frames drawn per second while nothing changes.
4. Display-list build (layout + scene) for a 500-node page: Pyodide vs CPython (ratio).

    .venv/bin/python bench/render_frames.py [--frames 150]

Floors measured on this machine: ../shared/reference/render-floors.md (WebGPU here is SwiftShader).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from _support import CHROMIUM, REPO, chromium_args, pct, shell_server
from openagents_shell.pages import sample
from openagents_shell.render import wgsl
from openagents_shell.ui.text import approximate_width
from playwright.sync_api import sync_playwright

BASE_ARGS = chromium_args()
WEBGPU_ARGS = ["--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-angle=vulkan", "--use-vulkan=swiftshader"]
WORK = REPO / "var" / "bench-render"
ROWS = 1000

#: Scroll `selector` by 40 px per rAF for n frames; returns the rAF intervals (ms).
SCROLL_JS = """async ([selector, n]) => {
  const el = document.querySelector(selector); const ts = [];
  await new Promise((done) => { const step = (t) => { ts.push(t); if (ts.length > n) return done();
    el.scrollTop += 40; if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) el.scrollTop = 0;
    requestAnimationFrame(step); }; requestAnimationFrame(step); });
  return ts.slice(1).map((t, i) => t - ts[i]);
}"""

DOM_LIST = """<!doctype html><meta charset=utf-8><style>body{margin:0;font:15px system-ui}
#l{height:100vh;overflow:auto}.r{display:flex;justify-content:space-between;padding:6px 12px}
.r:nth-child(odd){background:#fff}.b{border-radius:999px;background:#e3e5ea;padding:1px 8px;font-size:12px}</style>
<div id=l></div><script>const l=document.getElementById('l');for(let i=0;i<__ROWS__;i++){const r=document.createElement('div');
r.className='r';r.innerHTML=`<span>Row ${i}: worker run</span><span>#${String(i*7919%100000).padStart(5,'0')}</span>
<span class=b>${i%3?'ok':'busy'}</span>`;l.append(r);}</script>""".replace("__ROWS__", str(ROWS))

#: A hand-written WebGPU scene: our WGSL, `rects` row-wide rects and `runs` text quads (atlas filled once),
#: every instance moved each frame (a scroll), one render pass, drawn in rAF; returns the intervals.
JS_SCENE = """async ([rectsWgsl, textWgsl, nRects, nRuns, n]) => {
  const c = document.createElement('canvas'); c.width = innerWidth; c.height = innerHeight;
  c.style = 'position:fixed;inset:0;width:100vw;height:100vh'; document.body.append(c);
  const adapter = await navigator.gpu.requestAdapter(); const device = await adapter.requestDevice();
  const ctx = c.getContext('webgpu'); const format = navigator.gpu.getPreferredCanvasFormat();
  ctx.configure({device, format, alphaMode: 'opaque'});
  const blend = {color: {srcFactor: 'one', dstFactor: 'one-minus-src-alpha'}, alpha: {srcFactor: 'one', dstFactor: 'one-minus-src-alpha'}};
  const pipe = (code) => { const module = device.createShaderModule({code});
    return device.createRenderPipeline({layout: 'auto', vertex: {module, entryPoint: 'vs'},
      fragment: {module, entryPoint: 'fs', targets: [{format, blend}]}}); };
  const pr = pipe(rectsWgsl), pt = pipe(textWgsl);
  const view = device.createBuffer({size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST});
  device.queue.writeBuffer(view, 0, new Float32Array([c.width, c.height, 1, 0]));
  const rb = device.createBuffer({size: Math.max(64, nRects * 64), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST});
  const tb = device.createBuffer({size: Math.max(64, nRuns * 64), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST});
  const oc = new OffscreenCanvas(1024, 1024); const o = oc.getContext('2d'); o.fillStyle = '#fff'; o.font = '15px Inter';
  for (let i = 0; i < 40; i++) o.fillText('Row ' + i + ': worker run', 2, 12 + i * 24);
  const tex = device.createTexture({size: [1024, 1024], format: 'rgba8unorm',
    usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.RENDER_ATTACHMENT});
  device.queue.copyExternalImageToTexture({source: oc}, {texture: tex}, [1024, 1024]);
  const sampler = device.createSampler({magFilter: 'linear', minFilter: 'linear'});
  const gr = device.createBindGroup({layout: pr.getBindGroupLayout(0), entries: [{binding: 0, resource: {buffer: view}}, {binding: 1, resource: {buffer: rb}}]});
  const gt = device.createBindGroup({layout: pt.getBindGroupLayout(0), entries: [{binding: 0, resource: {buffer: view}},
    {binding: 1, resource: {buffer: tb}}, {binding: 2, resource: tex.createView()}, {binding: 3, resource: sampler}]});
  const R = new Float32Array(nRects * 16), T = new Float32Array(nRuns * 16); const ts = []; let off = 0;
  await new Promise((done) => { const step = (t) => { ts.push(t); if (ts.length > n) return done(); off = (off + 40) % 800;
    for (let i = 0; i < nRects; i++) { R.set([12, (i * 34 - off) % 800, 1256, 34, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], i * 16); }
    for (let i = 0; i < nRuns; i++) { T.set([(i % 3) * 400, (i * 22 - off) % 800, 180, 22, 0, (i % 40) * 24 / 1024, 0.18, ((i % 40) * 24 + 22) / 1024, 0, 0, 0, 1, 0, 0, 0, 0], i * 16); }
    device.queue.writeBuffer(rb, 0, R); device.queue.writeBuffer(tb, 0, T);
    const e = device.createCommandEncoder(); const p = e.beginRenderPass({colorAttachments: [{view: ctx.getCurrentTexture().createView(),
      loadOp: 'clear', storeOp: 'store', clearValue: {r: .97, g: .97, b: .97, a: 1}}]});
    p.setPipeline(pr); p.setBindGroup(0, gr); p.draw(nRects * 6); p.setPipeline(pt); p.setBindGroup(0, gt); p.draw(nRuns * 6);
    p.end(); device.queue.submit([e.finish()]); requestAnimationFrame(step); }; requestAnimationFrame(step); });
  return ts.slice(1).map((t, i) => t - ts[i]);
}"""


def fmt(xs: list[float]) -> str:
    return f"p50 {pct(xs, 50):6.2f} / p95 {pct(xs, 95):6.2f} ms"


def wait(page: Any, expr: str, timeout_s: float = 90) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(f"() => !!({expr})")
        except Exception:  # noqa: BLE001 - navigating
            value = None
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(expr)


#: Renderer main-thread trace events reported per frame (they nest: a forced Layout inside a rAF callback
#: counts under both), and raster work on other threads.
TRACE_EVENTS = ("RunTask", "FireAnimationFrame", "EventDispatch", "FunctionCall", "UpdateLayoutTree", "Layout",
                "PrePaint", "Paint", "Layerize", "Commit")
TRACE_CATEGORIES = "devtools.timeline,disabled-by-default-devtools.timeline,blink,cc,gpu"


def traced_scroll(browser: Any, page: Any, selector: str, frames: int) -> dict[str, float]:
    """Scroll ``selector`` for ``frames`` rAF frames under a Chrome trace; ms per frame by event (main thread
    of the page's renderer) plus raster on other threads, and the frames' interval p50."""
    browser.start_tracing(page=page, categories=TRACE_CATEGORIES.split(","))
    intervals = page.evaluate(SCROLL_JS, [selector, frames])
    events = json.loads(browser.stop_tracing())
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    mains = {k for k, v in names.items() if v == "CrRendererMain"}
    busy = {}
    for e in events:
        if e.get("ph") != "X" or "dur" not in e:
            continue
        key = (e["pid"], e["tid"])
        name = e["name"]
        if key in mains and name in TRACE_EVENTS:
            busy[name] = busy.get(name, 0.0) + e["dur"] / 1000
        elif key not in mains and name in ("RasterTask", "TileManager::FlushAndIssueSignals", "Display::DrawAndSwap",
                                           "SkiaOutputSurfaceImplOnGpu::SwapBuffers"):
            busy[f"{names.get(key, '?')}:{name}"] = busy.get(f"{names.get(key, '?')}:{name}", 0.0) + e["dur"] / 1000
    out = {k: v / frames for k, v in sorted(busy.items())}
    out["interval_p50"] = pct(intervals, 50)
    out["interval_p95"] = pct(intervals, 95)
    return out


def ours(browser: Any, base: str, renderer: str, frames: int, trace: bool = False) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/debug?rows={ROWS}&gpu={renderer}")
    wait(page, f"document.querySelector('#oa-app [data-renderer=\"{renderer}\"]') && window.__oa")
    time.sleep(1.0)  # the web font's relayout
    marks = page.evaluate("""() => Object.fromEntries(['app-ready', 'oa-gpu-probe', 'oa-gpu-adapter', 'oa-gpu-device',
        'oa-gpu-first-frame'].map(n => [n, (performance.getEntriesByName(n)[0] || {}).startTime ?? null]))""")
    page.evaluate("window.__oa.buildMs(100)")  # warm the interpreter (V8 tiers the wasm up meanwhile)
    list_sel = "#oa-app [data-oa='sample-rows']"
    page.evaluate(SCROLL_JS, [list_sel, 20])  # warm-up
    before = page.evaluate("window.__oa.stats().frames")
    intervals = page.evaluate(SCROLL_JS, [list_sel, frames])
    time.sleep(0.3)
    stats = page.evaluate("window.__oa.stats()")
    drawn = stats["frames"] - before
    n = min(drawn, len(stats["py_ms"]))
    py_ms, draw_ms = (stats["py_ms"][-n:], stats["draw_ms"][-n:]) if n else ([], [])
    traced = traced_scroll(browser, page, list_sel, 60) if trace else {}
    # keystrokes: type into the gallery's name field and time each one to the end of its drawn frame
    page.goto(f"{base}/debug?gpu={renderer}")
    wait(page, f"document.querySelector('#oa-app [data-renderer=\"{renderer}\"]') && window.__oa")
    time.sleep(1.0)
    field = page.get_by_role("textbox", name="Display name")
    field.click()
    lat = []
    for ch in "benchmark keystrokes":
        t0 = page.evaluate("performance.now()")
        n0 = page.evaluate("window.__oa.stats().frames")
        page.keyboard.type(ch)
        wait(page, f"window.__oa.stats().frames > {n0}", 5)
        end = page.evaluate("window.__oa.stats().frame_end.at(-1)")
        lat.append(end - t0)
    idle0 = page.evaluate("window.__oa.stats().frames")
    time.sleep(3.0)
    idle = (page.evaluate("window.__oa.stats().frames") - idle0) / 3.0
    page.close()
    return {"intervals": intervals, "py_ms": py_ms, "draw_ms": draw_ms, "drawn": drawn, "keys": lat, "idle_fps": idle,
            "ops": stats.get("ops", 0), "trace": traced, "marks": marks}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--trace", action="store_true", help="also: where a Canvas2D scroll frame's main-thread time goes")
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with shell_server(WORK, "oa_bench_render") as (server, _build):
        results: dict[str, Any] = {}
        with sync_playwright() as pw:
            plain = pw.chromium.launch(executable_path=CHROMIUM, args=BASE_ARGS)
            gpu = pw.chromium.launch(executable_path=CHROMIUM, args=BASE_ARGS + WEBGPU_ARGS)
            results["canvas2d"] = ours(plain, server.url, "canvas2d", a.frames, a.trace)
            results["webgpu"] = ours(gpu, server.url, "webgpu", a.frames)
            page = plain.new_page(viewport={"width": 1280, "height": 800})
            page.set_content(DOM_LIST)
            page.evaluate(SCROLL_JS, ["#l", 20])
            results["dom"] = page.evaluate(SCROLL_JS, ["#l", a.frames])
            results["dom_trace"] = traced_scroll(plain, page, "#l", 60) if a.trace else {}
            page.close()
            ops = results["webgpu"]["ops"]
            page = gpu.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{server.url}/debug?gpu=canvas2d")  # a same-origin page; the scene draws over it
            wait(page, "window.__oa")
            n_rects, n_runs = int(ops * 0.45), int(ops * 0.55)
            page.evaluate(JS_SCENE, [wgsl.RECTS, wgsl.TEXT, n_rects, n_runs, 20])
            results["js_scene"] = page.evaluate(JS_SCENE, [wgsl.RECTS, wgsl.TEXT, n_rects, n_runs, a.frames])
            page.goto(f"{server.url}/debug?gpu=canvas2d")
            wait(page, "window.__oa")
            # Best of three calls: the first runs while V8 may still be tiering Pyodide's wasm up.
            builds = [page.evaluate("window.__oa.buildMs(100)") for _ in range(3)]
            pyodide_build = {k: min(b[k] for b in builds) for k in builds[0]}
            plain.close()
            gpu.close()
    cpython_build = sample.build_ms(100, approximate_width, lambda: time.perf_counter() * 1000)

    c2d, wg = results["canvas2d"], results["webgpu"]
    print(f"\n1. scrolling a {ROWS}-row list, 40 px per frame, {a.frames} frames (rAF intervals; 16.7 = 60 fps)")
    print(f"   plain DOM list (baseline)        {fmt(results['dom'])}")
    print(f"   ours, Canvas2D                   {fmt(c2d['intervals'])}   goal p95 <= 16 ms")
    print(f"   hand-written JS WebGPU scene     {fmt(results['js_scene'])}   ({int(ops * 0.45)} rects + "
          f"{int(ops * 0.55)} text quads, our WGSL)")
    print(f"   ours, WebGPU                     {fmt(wg['intervals'])}   ratio p95 ours/JS "
          f"{pct(wg['intervals'], 95) / pct(results['js_scene'], 95):.2f} (goal <= 1.3)")
    for name, r in (("Canvas2D", c2d), ("WebGPU", wg)):
        print(f"   our Python per frame, {name:8s}   {fmt(r['py_ms'])} (layout, display list, mirror)  + "
              f"backend calls {fmt(r['draw_ms'])}; {r['drawn']} frames drawn, {r['ops']} ops")
    if a.trace:
        print("\n   where a scroll frame's time goes (Chrome trace, 60 frames; ms per frame; events nest)")
        ct, dt = c2d["trace"], results["dom_trace"]
        for name in sorted(set(ct) | set(dt)):
            print(f"     {name:48s} ours {ct.get(name, 0.0):7.2f}   DOM list {dt.get(name, 0.0):7.2f}")
    print("\n2. keystroke -> drawn frame (text field on /debug)")
    print(f"   Canvas2D {fmt(c2d['keys'])}   goal p95 <= 16 ms;   WebGPU {fmt(wg['keys'])}")
    m = wg["marks"]
    if m.get("oa-gpu-first-frame") is not None:
        print(f"\n   renderer start (after app-ready, which Canvas2D reached; not in boot): adapter "
              f"{m['oa-gpu-adapter'] - m['oa-gpu-probe']:.1f} ms, device + pipelines + atlas "
              f"{m['oa-gpu-device'] - m['oa-gpu-adapter']:.1f} ms, first WebGPU frame "
              f"{m['oa-gpu-first-frame'] - m['oa-gpu-device']:.1f} ms; app-ready -> WebGPU drawing "
              f"{m['oa-gpu-first-frame'] - m['app-ready']:.1f} ms")
    print(f"\n3. idle page: {c2d['idle_fps']:.2f} frames/s (Canvas2D), {wg['idle_fps']:.2f} frames/s (WebGPU); goal 0")
    print(f"\n4. layout + display list of a {int(pyodide_build['nodes'])}-node page (best of 5)")
    print(f"   CPython {sys.version.split()[0]}: cold {cpython_build['cold_ms']:.2f} ms, unchanged tree "
          f"{cpython_build['warm_ms']:.2f} ms")
    print(f"   Pyodide:        cold {pyodide_build['cold_ms']:.2f} ms, unchanged tree {pyodide_build['warm_ms']:.2f} ms;"
          f" ratio Pyodide/CPython cold {pyodide_build['cold_ms'] / cpython_build['cold_ms']:.2f}, "
          f"unchanged {pyodide_build['warm_ms'] / cpython_build['warm_ms']:.2f}")
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "results.json").write_text(json.dumps({**results, "pyodide_build": pyodide_build,
                                                   "cpython_build": cpython_build}, indent=1, default=str))
    print(f"\n(load average {os.getloadavg()[0]:.1f} at the end; raw figures in {WORK / 'results.json'})")


if __name__ == "__main__":
    main()
