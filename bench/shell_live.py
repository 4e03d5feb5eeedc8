"""Shell runtime benchmarks (issue 19). Not a test: prints each figure beside its baseline, same run.

1. The Khala client's hot path (``openagents_shell/sync/bench.py``): UPDATE_BATCH frames of 200
   updates decoded, applied exactly once (a ``LiveEvent`` each) and persisted (watermarks and the
   documents into ``SyncStore``), in Pyodide in Chromium (``window.__oa.benchKhala``) beside the same
   code under CPython; frames/s, updates/s and main-thread ms per frame p50/p95.
2. Route change in Chromium: a click on a nav link → the new page drawn (the surface's frame end),
   p50/p95 over alternating routes; goal ≤ 50 ms.
3. First live data on screen after a warm load: ``/debug?topic=feed:public`` loaded again (warm
   cache), from navigation start to the probe's page showing the connection live, and to a shout
   posted then being drawn.

    .venv/bin/python bench/shell_live.py [--frames 50] [--routes 40]

The boot figures (cold / warm app-ready against the Pyodide floor) are ``bench/boot.py``'s, with this
runtime in the bundle. The machine is shared and loaded: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx
from openagents_build import BuildOptions, build_bundle
from openagents_shell.sync import bench as khala_bench
from playwright.sync_api import sync_playwright

from bench._support import bench_database
from tests.identity.conftest import sign_in
from tests.support.servers import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
WORK = REPO / "var" / "bench-live"

#: Click the nav link to ``href`` and resolve with ms from the click to the end of the next drawn frame.
ROUTE_JS = """async (href) => {
  const link = [...document.querySelectorAll('#oa-app a')].find(a => a.getAttribute('href') === href);
  const before = window.__oa.stats().frames;
  const t0 = performance.now();
  link.click();
  for (;;) {
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const s = window.__oa.stats();
    if (s.frames > before && document.querySelector('#oa-app [data-ready]').dataset.path === href)
      return s.frame_end[s.frame_end.length - 1] - t0;
  }
}"""


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] if xs else float("nan")


def wait(page: Any, expr: str, timeout_s: float = 120) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(f"() => ({expr})")
        except Exception:  # noqa: BLE001 - navigating
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(expr)


def khala(page: Any, base: str, frames: int) -> dict[str, float]:
    page.goto(base + "/debug")
    wait(page, "!!(window.__oa && window.__oa.benchKhala)")
    page.evaluate(f"() => window.__oa.benchKhala({frames})")
    return wait(page, "window.__oa.benchKhalaResult()", 600)


def routes(page: Any, base: str, n: int) -> list[float]:
    page.goto(base + "/")
    wait(page, "document.querySelector('#oa-app [data-ready]')")
    out = []
    for i in range(n):
        out.append(page.evaluate(ROUTE_JS, ("/workers", "/l402", "/")[i % 3]))
    return out


def first_live(page: Any, base: str, server: LiveServer, headers: dict[str, str]) -> tuple[float, float]:
    page.goto(base + "/debug?topic=feed:public")  # warm: loaded once already in this context
    wait(page, "document.querySelector('#oa-app [data-ready]')?.dataset.sync === 'live'")
    live_ms = page.evaluate("() => performance.now()")
    posted = time.monotonic()
    httpx.post(base + "/api/shouts", json={"text": "bench shout"}, headers=headers)
    wait(page, "[...document.querySelectorAll('#oa-app *')].some(n => n.textContent.includes('bench shout'))")
    return live_ms, (time.monotonic() - posted) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=50)
    parser.add_argument("--routes", type=int, default=40)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    bundles = WORK / "bundles"
    build_bundle(BuildOptions(repo=REPO, bundles_dir=bundles))

    data = khala_bench.frames(args.frames)
    cpython = asyncio.run(khala_bench.run(data))

    with bench_database() as dsn:
        server = LiveServer(dsn, env={"OPENAGENTS_BUNDLES_DIR": str(bundles)}).start()
        try:
            async def person() -> dict[str, str]:
                async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                    return (await sign_in(http, dsn, "bench@example.com")).headers

            headers = asyncio.run(person())
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_context().new_page()
                pyodide = khala(page, server.url, args.frames)
                route_ms = routes(page, server.url, args.routes)
                page.goto(server.url + "/debug?topic=feed:public")
                wait(page, "document.querySelector('#oa-app [data-ready]')?.dataset.sync === 'live'")
                live_ms, shout_ms = first_live(page, server.url, server, headers)
                browser.close()
        finally:
            server.stop()

    print("Shell runtime benchmarks (issue 19) — loaded shared machine; same run")
    print(f"1. Khala client, {args.frames} UPDATE_BATCH frames × 200 updates (decode + apply + persist):")
    for name, r in (("CPython (baseline)", cpython), ("Pyodide in Chromium", pyodide)):
        print(f"   {name:22s} {r['frames_per_s']:8.1f} frames/s  {r['updates_per_s']:10.0f} updates/s  "
              f"per frame p50 {r['p50_ms']:7.2f} / p95 {r['p95_ms']:7.2f} ms")
    print(f"   ratio Pyodide / CPython updates/s: {pyodide['updates_per_s'] / cpython['updates_per_s']:.2f}×")
    print(f"2. Route change, click → new page drawn, {len(route_ms)} clicks: p50 {pct(route_ms, 50):.1f} / "
          f"p95 {pct(route_ms, 95):.1f} ms (goal ≤ 50 ms)")
    print(f"3. Warm load of /debug?topic=feed:public: connection live at {live_ms:.0f} ms after navigation start; "
          f"a shout posted then → on screen in {shout_ms:.0f} ms")


if __name__ == "__main__":
    main()
