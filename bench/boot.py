"""Shell delivery benchmarks (issue 6). Not a test: prints baselines and our figures from one run.

1. Boot, in Debian's Chromium with persistent profiles (cold → warm new tab → browser restart):
   baseline = a bare page that boots the same Pyodide runtime (same files, same URLs, same caching)
   and prints one line; ours = the real shell served by granian, to its first rendered frame.
   Also first paint, beside two floors from the same run: the one-line page, and the one-line page
   controlled by a minimal service worker (what any offline-capable page pays); and bytes over the
   wire per load (a counting TCP proxy sits in front of both servers, so service-worker traffic is
   counted too) with the paths requested.
   Each measured navigation starts from a page of another site, after the browser has been up for a
   second, as a visitor's first visit does (see `one_load`; `--from-blank` gives the older method).
2. Static throughput of one hashed asset: granian (our hosting layer) vs nginx serving the same
   file from the same directory, with wrk, same run.

    .venv/bin/python bench/boot.py [--runs 3] [--skip-boot] [--skip-static] [--from-blank]

Setup it does itself: builds a bundle (var/bench/), an embedded PostgreSQL (var/bench-pg), and
installs Debian's nginx (and wrk) when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from openagents_proto.bundle_manifest import Manifest

from bench._support import CHROMIUM, chromium_args, shell_server
from tests.support.servers import free_port

#: Another site on loopback (an IP is its own site): the page a visitor comes from.
ELSEWHERE_HOST = "127.0.0.2"
CHROMIUM_ARGS = chromium_args(ELSEWHERE_HOST)
#: How long a browser (and then its tab) is up before the measured navigation.
SETTLE_S = 1.0
WORK = REPO / "var" / "bench"
LOADS = ("cold", "warm", "restart")

BASELINE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bare pyodide</title><link rel="icon" href="data:,"></head>
<body><p id="out">loading…</p>
<script type="module">
const { loadPyodide } = await import("%(runtime)spyodide.mjs");
const py = await loadPyodide({ indexURL: new URL("%(runtime)s", location.href).href,
                               lockFileURL: new URL("%(lock)s", location.href).href });
document.getElementById("out").textContent = py.runPython("'hello from ' + __import__('sys').version.split()[0]");
performance.mark("app-ready");
window.__appReady = performance.now();
</script></body></html>
"""


#: The first-paint floor: a one-line page with no script to speak of, same server, same browser, same run.
FLOOR_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>one line</title><link rel="icon" href="data:,"></head>
<body><p>loading…</p><script>window.__appReady = performance.now();</script></body></html>
"""


#: The one-line page, registering a minimal offline-style worker: navigation preload, the navigation
#: raced against the fetch handler, assets from Cache Storage. What any worker costs a page, without ours.
FLOOR_SW_HTML = FLOOR_HTML.replace(
    "</script>", "navigator.serviceWorker.register('/floor-sw.js');</script>")
FLOOR_SW_JS = """self.addEventListener("install", (e) => { self.skipWaiting(); if (e.addRoutes) e.waitUntil(e.addRoutes(
  [{ condition: { requestMode: "navigate" }, source: "race-network-and-fetch-handler" }]).catch(() => {})); });
self.addEventListener("activate", (e) => e.waitUntil((async () => {
  if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
  await self.clients.claim(); })()));
self.addEventListener("fetch", (e) => {
  if (e.request.mode === "navigate") e.respondWith((async () => (await e.preloadResponse) || fetch(e.request))());
  else e.respondWith(caches.match(e.request).then((hit) => hit || fetch(e.request)));
});
"""


#: The page a visitor comes from, on another site.
ELSEWHERE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>elsewhere</title><link rel="icon" href="data:,"></head>
<body><p><a href="#">a link to OpenAgents</a></p></body></html>
"""


# ---- a static server for the baseline with our asset rules (immutable, ETag, br) -------------------
class StaticHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,  # noqa: RUF012 ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript"}

    def log_message(self, *args: Any) -> None:
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return None
        use_br = "br" in self.headers.get("accept-encoding", "") and path.with_name(path.name + ".br").is_file()
        body_path = path.with_name(path.name + ".br") if use_br else path
        etag = f'"{body_path.stat().st_mtime_ns:x}-{body_path.stat().st_size:x}"'
        if self.headers.get("if-none-match") == etag:
            self.send_response(304)
            self.send_header("etag", etag)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("content-type", self.guess_type(str(path)))
        self.send_header("content-length", str(body_path.stat().st_size))
        self.send_header("etag", etag)
        self.send_header("vary", "Accept-Encoding")
        self.send_header("cache-control", "no-cache" if path.suffix == ".html" else
                         "public, max-age=31536000, immutable")
        if use_br:
            self.send_header("content-encoding", "br")
        self.end_headers()
        return body_path.open("rb")


def start_static(root: Path, host: str = "127.0.0.1") -> tuple[ThreadingHTTPServer, int]:
    port = free_port()
    handler = lambda *a, **k: StaticHandler(*a, directory=str(root), **k)
    server = ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


def start_floor_sw(site: Path) -> tuple[ThreadingHTTPServer, int]:
    """The worker-controlled floor (`/paint-sw.html`) on its own origin (port): a worker registered at
    "/" would otherwise control the other pages of that server too."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "paint-sw.html").write_text(FLOOR_SW_HTML)
    (site / "floor-sw.js").write_text(FLOOR_SW_JS)
    return start_static(site)


# ---- a counting TCP proxy: bytes the browser actually received, and the paths it asked for ---------
@dataclass
class Counter:
    down: int = 0
    paths: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.down, self.paths = 0, []


REQUEST_LINE = re.compile(rb"(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE) (\S+) HTTP/1\.[01]\r\n")


class Proxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.counter = Counter()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, downstream: bool) -> None:
            try:
                while data := await src.read(65536):
                    if downstream:
                        self.counter.down += len(data)
                    else:
                        self.counter.paths += [m[2].decode() for m in REQUEST_LINE.finditer(data)]
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    dst.close()
                except Exception:  # noqa: BLE001, S110 - the peer already closed
                    pass

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))


# ---- browser loads -------------------------------------------------------------------------------
def launch(pw: Any, profile: Path) -> Any:
    return pw.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)


def one_load(ctx: Any, url: str, proxy: Proxy, settle_s: float, came_from: str | None) -> dict[str, Any]:
    """One measured navigation. With `came_from`, the tab first shows a page of another site and the
    navigation starts SETTLE_S after the browser and the tab are up, as a visitor's does: it commits in a
    new renderer process, as any first visit from a link, a search result or the new-tab page does
    (site isolation). Without it, the tab starts at about:blank and navigates at once, so a page without
    COOP reuses the blank tab's already-started renderer and every load also measures Chromium's own
    start-up (the method of this bench before 2026-11-30)."""
    if came_from:
        time.sleep(SETTLE_S)
    page = ctx.new_page()
    if came_from:
        page.goto(came_from)
        time.sleep(SETTLE_S / 2)
    proxy.counter.reset()
    page.goto(url, wait_until="commit")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = page.evaluate("() => [window.__appReady ?? null, window.__error ?? null]")
        if state[0] is not None or state[1] is not None:
            break
        time.sleep(0.05)
    if state[1]:
        raise RuntimeError(f"{url}: {state[1]}")
    for _ in range(60):  # a page can be "ready" before its first paint: wait for the paint entry
        if page.evaluate("() => performance.getEntriesByType('paint').length > 0"):
            break
        time.sleep(0.05)
    rec = page.evaluate("""() => {
        const paint = Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime]));
        const nav = performance.getEntriesByType('navigation')[0] || {};
        return {fcp: paint['first-contentful-paint'] ?? paint['first-paint'] ?? null, app: window.__appReady,
                fp: paint['first-paint'] ?? paint['first-contentful-paint'] ?? null,
                paints: paint, ttfb: nav.responseStart ?? null, html_done: nav.responseEnd ?? null,
                interactive: nav.domInteractive ?? null,
                marks: Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime])),
                // Which source answered the navigation under the worker's static route (Chromium 130+).
                sw_source: nav.workerFinalSourceType || ''}; }""")
    for key in ("fp", "fcp"):
        if rec[key] is None:
            rec[key] = float("nan")
    time.sleep(settle_s)  # let the service worker finish its background work before the next load
    rec["bytes"] = proxy.counter.down
    rec["paths"] = sorted({p.split("?")[0] for p in proxy.counter.paths})
    page.close()
    return rec


def profile_loads(pw: Any, profile: Path, url: str, proxy: Proxy, settle_s: float,
                  came_from: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """A cold load, a warm load (new tab) and a load after a browser restart, in one persistent profile."""
    ctx = launch(pw, profile)
    try:
        for load in LOADS:
            if load == "restart":
                ctx.close()
                ctx = launch(pw, profile)
            yield load, one_load(ctx, url, proxy, settle_s, came_from)
    finally:
        ctx.close()


def run_boot(runs: int, ours_url: str, ours_proxy: Proxy, base_url: str, base_proxy: Proxy,
             floor_sw_url: str, floor_sw_proxy: Proxy, came_from: str | None) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, list[dict[str, Any]]]] = {"baseline": {}, "ours": {}, "floor": {}, "floor-sw": {}}
    floor_url = base_url.rsplit("/", 1)[0] + "/paint.html"
    scratch = Path(tempfile.mkdtemp(prefix="oa-bench-profiles-"))
    try:
        with sync_playwright() as pw:
            for i in range(runs):
                for name, url, proxy in (("floor", floor_url, base_proxy), ("floor-sw", floor_sw_url, floor_sw_proxy),
                                         ("baseline", base_url, base_proxy), ("ours", ours_url, ours_proxy)):
                    settle = {"ours": 3.0, "floor-sw": 3.0, "baseline": 0.5}.get(name, 0.2)
                    for load, rec in profile_loads(pw, scratch / f"{name}-{i}", url, proxy, settle, came_from):
                        results[name].setdefault(load, []).append(rec)
                        print(f"  run {i} {name:8s} {load:7s} first paint {rec['fp']:4.0f}/{rec['fcp']:4.0f} ms  "
                              f"(html first byte {rec['ttfb'] or 0:5.0f}, parsed {rec['interactive'] or 0:5.0f})  "
                              f"ready {rec['app']:7.0f} ms  {rec['bytes'] / 1e6:6.2f} MB  {len(rec['paths'])} paths"
                              + (f"  (answered by {rec['sw_source']})" if rec["sw_source"] else ""),
                              flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def median(recs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in recs)


def paints(recs: list[dict[str, Any]]) -> str:
    return f"{median(recs, 'fp'):.0f}/{median(recs, 'fcp'):.0f}"


def report_boot(results: dict[str, Any]) -> None:
    print("\n## Boot (median of runs; ms from navigation start; bytes received by the browser)")
    print("paint columns: first paint / first contentful paint (ours: the same frame, the wordmark is an inline SVG)")
    print(f"{'load':8s} | {'baseline ready':>14s} | {'ours ready':>10s} | {'ratio':>6s} | {'ours paint':>10s} | "
          f"{'baseline paint':>14s} | {'one-line page paint':>19s} | {'baseline MB':>11s} | {'ours MB':>8s}")
    for load in LOADS:
        b, o, f = results["baseline"][load], results["ours"][load], results["floor"][load]
        ratio = median(o, "app") / median(b, "app")
        print(f"{load:8s} | {median(b, 'app'):14.0f} | {median(o, 'app'):10.0f} | {ratio:5.2f}x | "
              f"{paints(o):>10s} | {paints(b):>14s} | {paints(f):>19s} | "
              f"{median(b, 'bytes') / 1e6:11.2f} | {median(o, 'bytes') / 1e6:8.3f}")
    allowed = {"/sw.js", "/manifest.json", "/settings/profile"}  # the page's URL is index.html
    for load in ("warm", "restart"):
        paths = sorted({p for r in results["ours"][load] for p in r["paths"]})
        extra = set(paths) - allowed
        print(f"ours {load} requests over the wire: {', '.join(paths) or 'none'} → goal (only index.html, sw.js, "
              f"manifest.json) {'met' if not extra else 'NOT met: ' + ', '.join(sorted(extra))}")
    worst = max(median(results["ours"][l], "app") / median(results["baseline"][l], "app") for l in LOADS)
    fp = {l: median(results["ours"][l], "fp") for l in LOADS}
    fcp = max(median(results["ours"][l], "fcp") for l in LOADS)
    print(f"goal ours ≤ 1.25× baseline: worst ratio {worst:.2f}x → {'met' if worst <= 1.25 else 'NOT met'}")
    floor = {l: median(results["floor"][l], "fp") for l in LOADS}
    print(f"goal first paint ≤ 100 ms: {' · '.join(f'{l} {v:.0f}' for l, v in fp.items())} ms (first contentful "
          f"paint worst {fcp:.0f} ms) → {'met' if max(fp.values()) <= 100 else 'NOT met'}")
    print(f"  the one-line page on this host: {' · '.join(f'{l} {v:.0f}' for l, v in floor.items())} ms; ours above it: "
          f"{' · '.join(f'{l} {fp[l] - floor[l]:+.0f}' for l in LOADS)} ms"
          + (f"  (above 100 ms for any page here: {', '.join(l for l in LOADS if floor[l] > 100)})"
             if max(floor.values()) > 100 else ""))
    print("where ours' boot goes (median ms between marks; adr/0306):")
    steps = ("oa-boot-start", "pyodide-mjs-loaded", "snapshot-restored", "py-ready", "oa-shell-imported", "oa-runtime",
             "app-ready")
    for load in LOADS:
        recs = [r for r in results["ours"][load] if "py-ready" in r.get("marks", {})]
        if not recs:
            continue
        cells, prev = [], "navigation"
        for step in steps:
            have = [r for r in recs if step in r["marks"]]
            if not have:
                continue
            base = [0.0 if prev == "navigation" else r["marks"].get(prev, 0.0) for r in have]
            cells.append(f"{prev} → {step} {statistics.median(r['marks'][step] - b for r, b in zip(have, base)):.0f}")
            prev = step
        print(f"  {load:8s} " + " · ".join(cells))
    floor_sw = {l: median(results["floor-sw"][l], "fp") for l in LOADS}
    print(f"  the one-line page controlled by a minimal service worker (what offline support costs any page): "
          f"{' · '.join(f'{l} {v:.0f}' for l, v in floor_sw.items())} ms; ours above it: "
          f"{' · '.join(f'{l} {fp[l] - floor_sw[l]:+.0f}' for l in LOADS)} ms")


# ---- static throughput ----------------------------------------------------------------------------
def ensure_packages() -> None:
    missing = [pkg for binary, pkg in (("nginx", "nginx"), ("wrk", "wrk")) if not shutil.which(binary)]
    if missing:
        print(f"installing Debian packages: {' '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env)


NGINX_CONF = """worker_processes 1;
daemon off;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  types { application/wasm wasm; text/javascript js mjs; }
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path %(dir)s; proxy_temp_path %(dir)s; fastcgi_temp_path %(dir)s;
  uwsgi_temp_path %(dir)s; scgi_temp_path %(dir)s;
  server {
    listen 127.0.0.1:%(port)d;
    root %(root)s;
    location /assets/ {
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header X-Content-Type-Options nosniff;
      add_header Vary Accept-Encoding;
    }
  }
}
"""


def wrk(url: str, seconds: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", "Accept-Encoding: identity", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    scale = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}[transfer[2]]  # type: ignore[index]
    return rps, float(transfer[1]) * scale / 1e6  # type: ignore[index]


def run_static(bundle_root: Path, manifest: Manifest, granian_url: str, seconds: int) -> None:
    ensure_packages()
    conf_dir = Path(tempfile.mkdtemp(prefix="oa-bench-nginx-"))
    port = free_port()
    (conf_dir / "nginx.conf").write_text(NGINX_CONF % {"dir": conf_dir, "port": port, "root": bundle_root})
    nginx = subprocess.Popen(["nginx", "-c", str(conf_dir / "nginx.conf"), "-p", str(conf_dir)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        files = [("boot.js (small)", manifest.entry.boot, 64),
                 ("pyodide.asm.wasm (9.6 MB)", manifest.entry.runtime + "pyodide.asm.wasm", 8)]
        print("\n## Static throughput, identity encoding, 1 server worker each, wrk -t1 "
              f"({seconds}s per figure; the same file from the same directory)")
        print(f"{'file':28s} | {'nginx req/s':>11s} | {'granian req/s':>13s} | {'ratio':>6s} | "
              f"{'nginx MB/s':>10s} | {'granian MB/s':>12s}")
        for label, path, conns in files:
            wrk(f"http://127.0.0.1:{port}{path}", 1, conns)  # warm-up
            n_rps, n_mb = wrk(f"http://127.0.0.1:{port}{path}", seconds, conns)
            wrk(granian_url + path, 1, conns)
            g_rps, g_mb = wrk(granian_url + path, seconds, conns)
            print(f"{label:28s} | {n_rps:11.0f} | {g_rps:13.0f} | {g_rps / n_rps:5.2f}x | {n_mb:10.0f} | {g_mb:12.0f}")
    finally:
        nginx.terminate()
        nginx.wait(10)
        shutil.rmtree(conf_dir, ignore_errors=True)


# ---- main ------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8, help="wrk duration per figure")
    ap.add_argument("--skip-boot", action="store_true")
    ap.add_argument("--from-blank", action="store_true",
                    help="the old method: each tab starts at about:blank and navigates at once (see one_load)")
    ap.add_argument("--skip-static", action="store_true")
    a = ap.parse_args()

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with shell_server(WORK, "oa_bench") as (server, result):
        manifest = result.manifest
        print(f"bundle {manifest.build_id}")
        if not a.skip_boot:
            site = WORK / "baseline-site"
            shutil.rmtree(site, ignore_errors=True)
            runtime_rel = manifest.entry.runtime.strip("/")
            shutil.copytree(result.path / runtime_rel, site / runtime_rel)
            shutil.copy(result.path / manifest.entry.lock.strip("/"), site / manifest.entry.lock.strip("/"))
            (site / "paint.html").write_text(FLOOR_HTML)
            (site / "baseline.html").write_text(BASELINE_HTML % {"runtime": manifest.entry.runtime,
                                                                 "lock": manifest.entry.lock})
            static, static_port = start_static(site)
            floor_sw, floor_sw_port = start_floor_sw(WORK / "floor-sw-site")
            floor_sw_proxy = Proxy(floor_sw_port)
            elsewhere_site = WORK / "elsewhere-site"
            elsewhere_site.mkdir(parents=True, exist_ok=True)
            (elsewhere_site / "elsewhere.html").write_text(ELSEWHERE_HTML)
            elsewhere, elsewhere_port = start_static(elsewhere_site, ELSEWHERE_HOST)
            came_from = None if a.from_blank else f"http://{ELSEWHERE_HOST}:{elsewhere_port}/elsewhere.html"
            ours_proxy, base_proxy = Proxy(server.port), Proxy(static_port)
            print(f"\nboot: {a.runs} runs × (cold, warm new tab, browser restart), persistent profiles; "
                  + ("each tab starts at about:blank and navigates at once" if a.from_blank else
                     f"each navigation starts from a page of another site, {SETTLE_S:.0f} s after the browser is up"))
            results = run_boot(a.runs, f"http://127.0.0.1:{ours_proxy.port}/settings/profile", ours_proxy,
                               f"http://127.0.0.1:{base_proxy.port}/baseline.html", base_proxy,
                               f"http://127.0.0.1:{floor_sw_proxy.port}/paint-sw.html", floor_sw_proxy, came_from)
            static.shutdown()
            floor_sw.shutdown()
            elsewhere.shutdown()
            report_boot(results)
            (WORK / "boot-results.json").write_text(json.dumps(results, indent=1))
        if not a.skip_static:
            run_static(result.path, manifest, server.url, a.seconds)


if __name__ == "__main__":
    main()
