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
import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from openagents_build import BuildOptions, build_bundle
from openagents_server.db.embedded import EmbeddedPostgres
from openagents_server.db.migrate import apply_migrations
from openagents_shell.pages import sample
from openagents_shell.render import wgsl
from openagents_shell.ui.text import approximate_width
from playwright.sync_api import sync_playwright

from tests.support.servers import LiveServer

CHROMIUM = "/usr/bin/chromium"
BASE_ARGS = ["--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
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


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] if xs else float("nan")


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


def ours(browser: Any, base: str, renderer: str, frames: int) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/debug?rows={ROWS}&gpu={renderer}")
    wait(page, f"document.querySelector('#oa-app [data-renderer=\"{renderer}\"]') && window.__oa")
    time.sleep(1.0)  # the web font's relayout
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
            "ops": stats.get("ops", 0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=150)
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    bundles = WORK / "bundles"
    shutil.rmtree(bundles, ignore_errors=True)
    build_bundle(BuildOptions(repo=REPO, bundles_dir=bundles))
    cluster = EmbeddedPostgres(REPO / "var" / "bench-pg", database="postgres",
                               server_settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    server = None
    try:
        import asyncpg

        async def fresh_db() -> str:
            admin = await asyncpg.connect(cluster.dsn("postgres"))
            await admin.execute('DROP DATABASE IF EXISTS "oa_bench_render" WITH (FORCE)')
            await admin.execute('CREATE DATABASE "oa_bench_render"')
            await admin.close()
            conn = await asyncpg.connect(cluster.dsn("oa_bench_render"))
            await apply_migrations(conn)
            await conn.close()
            return cluster.dsn("oa_bench_render")

        server = LiveServer(asyncio.run(fresh_db()), env={"OPENAGENTS_BUNDLES_DIR": str(bundles)}).start()
        results: dict[str, Any] = {}
        with sync_playwright() as pw:
            plain = pw.chromium.launch(executable_path=CHROMIUM, args=BASE_ARGS)
            gpu = pw.chromium.launch(executable_path=CHROMIUM, args=BASE_ARGS + WEBGPU_ARGS)
            results["canvas2d"] = ours(plain, server.url, "canvas2d", a.frames)
            results["webgpu"] = ours(gpu, server.url, "webgpu", a.frames)
            page = plain.new_page(viewport={"width": 1280, "height": 800})
            page.set_content(DOM_LIST)
            page.evaluate(SCROLL_JS, ["#l", 20])
            results["dom"] = page.evaluate(SCROLL_JS, ["#l", a.frames])
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
    finally:
        if server:
            server.stop()
        cluster.stop(mode="immediate")

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
    print("\n2. keystroke -> drawn frame (text field on /debug)")
    print(f"   Canvas2D {fmt(c2d['keys'])}   goal p95 <= 16 ms;   WebGPU {fmt(wg['keys'])}")
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
