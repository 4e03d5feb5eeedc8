#!/usr/bin/env python3
"""A chat turn as a person sees it: ``turn/start`` accepted → the reply's first delta drawn in the
browser, and → the turn complete on the page; p50/p95 over ``--turns`` turns with a demo worker.

Real granian + PostgreSQL (embedded, fsync on), a real ``openagents worker run --adapter demo``
process, Debian's Chromium on ``/chat/{thread}`` (the shell following the worker topic over Khala),
and — as the baseline, in the same run and for the same turns — a raw Khala client (``tests/khala``)
subscribed to the same topic: the first delta's arrival there. The difference is the shell's share
(token, socket, decode in Pyodide, reduce, layout, draw).

Timing: this process sends ``turn/start`` over HTTP and stamps the 202's arrival (``time.time()``);
the page stamps, in ``requestAnimationFrame``, the first frame whose mirror has the reply's text
(``performance.timeOrigin + t``: the same wall clock, so within a frame of when it was drawn), and
the first frame where the reply is no longer marked "writing…"; the raw client stamps the first
``item/agentMessage/delta`` and ``turn/completed`` of the request.

  .venv/bin/python bench/chat_turn.py [--turns 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from openagents_build import BuildOptions, build_bundle
from playwright.sync_api import sync_playwright

from bench._support import REPO, bench_database
from tests.identity.conftest import pending_code
from tests.khala.support import Closed, KhalaClient
from tests.support.servers import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
WORK = REPO / "var" / "bench-chat"
EMAIL = "bench@example.com"
WORKER = "bench-demo"
BASE = "/api/runtime/codex/workers"

#: Resolves with {first, done} (epoch ms) for transcript message ``idx``, checked once per frame.
WATCH_JS = """(idx) => { window.__turn = new Promise((resolve) => { const res = {};
  const step = (t) => { const now = performance.timeOrigin + t;
    const text = document.getElementById('chat-text-' + idx);
    if (!res.first && text && text.innerText.trim()) res.first = now;
    const msg = document.getElementById('chat-msg-' + idx);
    if (res.first && msg && !msg.innerText.includes('writing')) { res.done = now; resolve(res); return; }
    requestAnimationFrame(step); };
  requestAnimationFrame(step); }); }"""


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def fmt(xs: list[float]) -> str:
    return f"p50 {statistics.median(xs):7.1f} ms  p95 {pct(xs, 95):7.1f} ms"


async def credentials(url: str, dsn: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        sent = await http.post("/api/auth/email", json={"email": EMAIL})
        code = await pending_code(dsn, EMAIL)
        verified = await http.post("/api/auth/verify", json={"email": EMAIL, "code": code, "device_id": "bench",
                                                             "challenge_id": sent.json()["data"]["challenge_id"]})
        access = verified.json()["data"]["session"]["access_token"]
        pat = await http.post("/api/tokens", json={"name": "w", "abilities": ["runtime:write", "sync:token"]},
                              headers={"authorization": f"Bearer {access}"})
        return access, pat.json()["data"]["token"]


class RawObserver(threading.Thread):
    """The baseline: a raw Khala client on the worker topic, stamping each request's first delta and end."""

    def __init__(self, ws_url: str, token: str, topic: str, after: int) -> None:
        super().__init__(daemon=True)
        self.ws_url, self.token, self.topic, self.after = ws_url, token, topic, after
        self.first: dict[str, float] = {}
        self.done: dict[str, float] = {}
        self.ready = threading.Event()
        self.stop = False

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        after = self.after
        while not self.stop:  # the server closes a client that sends nothing for 60 s: resume after it
            client = await KhalaClient.connect(self.ws_url)
            await client.hello(self.token)
            await client.subscribe([self.topic], resume_after={self.topic: after})
            self.ready.set()
            while not self.stop:
                try:
                    message = await client.recv(0.5)
                except TimeoutError:
                    continue
                except Closed:
                    break
                now = time.time() * 1000
                for update in getattr(message, "updates", ()):
                    after = max(after, update.watermark)
                    payload = json.loads(update.payload)
                    rid, method = payload.get("request_id"), payload.get("method")
                    if method == "item/agentMessage/delta":
                        self.first.setdefault(rid, now)
                    elif method == "turn/completed":
                        self.done.setdefault(rid, now)
            else:
                await client.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=50)
    a = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start (loaded machine)")
    bundles = WORK / "bundles"
    shutil.rmtree(bundles, ignore_errors=True)
    build_bundle(BuildOptions(repo=REPO, bundles_dir=bundles))
    with bench_database() as dsn:
        server = LiveServer(dsn, env={"OPENAGENTS_BUNDLES_DIR": str(bundles)}).start()
        worker = None
        try:
            access, pat = asyncio.run(credentials(server.url, dsn))
            headers = {"authorization": f"Bearer {access}"}
            worker = subprocess.Popen(
                [sys.executable, "-m", "openagents_server.cli", "worker", "run", "--adapter", "demo", "--worker-id",
                 WORKER], env={**os.environ, "OPENAGENTS_TOKEN": pat, "OPENAGENTS_URL": server.url},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            http = httpx.Client(base_url=server.url, timeout=30, headers=headers)
            for _ in range(300):
                shown = http.get(f"{BASE}/{WORKER}")
                if shown.status_code == 200 and shown.json()["data"]["status"] == "running":
                    break
                time.sleep(0.1)
            run_id = f"{int(time.time())}"  # the bench database outlives a run: fresh request ids each time
            started = http.post(f"{BASE}/{WORKER}/requests", json={"request_id": f"start-{run_id}",
                                                                   "method": "thread/start"})
            assert started.status_code == 202, started.text
            for _ in range(300):
                outcome = http.get(f"{BASE}/{WORKER}/requests/start-{run_id}").json()["data"]
                if outcome["response"]:
                    break
                time.sleep(0.05)
            thread = outcome["response"]["result"]["thread_id"]
            topic = f"worker:{WORKER}:events"
            minted = http.post("/api/sync/token", json={"topics": [topic]}).json()["data"]["token"]
            head = http.get(f"{BASE}/{WORKER}/stream").json()["data"]["khala"]["head_seq"]
            raw = RawObserver(server.url.replace("http://", "ws://"), minted, topic, head)
            raw.start()
            raw.ready.wait(30)

            accepted: dict[str, float] = {}
            page_first: dict[str, float] = {}
            page_done: dict[str, float] = {}
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{server.url}/login?next=/chat/{thread}")
                page.wait_for_selector("#oa-app [data-ready]", timeout=120_000)
                page.get_by_label("Email").fill(EMAIL)
                page.get_by_role("button", name="Send code").click()
                page.get_by_label("Code").wait_for(timeout=60_000)
                with ThreadPoolExecutor(1) as pool:  # sync_playwright runs a loop in this thread
                    page.get_by_label("Code").fill(pool.submit(asyncio.run, pending_code(dsn, EMAIL)).result())
                page.get_by_role("button", name="Sign in").click()
                page.get_by_label("Message").wait_for(timeout=60_000)
                # the page's live tail is up before timing starts
                page.wait_for_function("() => window.__oa.sync && window.__oa.sync().user.phase === 'live'",
                                       timeout=120_000)
                for n in range(a.turns):
                    rid = f"bench-{run_id}-{n}"
                    page.evaluate(WATCH_JS, 2 * n + 1)
                    answer = http.post(f"{BASE}/{WORKER}/requests", json={
                        "request_id": rid, "method": "turn/start", "params": {"thread_id": thread, "text": f"turn {n}"}})
                    accepted[rid] = time.time() * 1000
                    assert answer.status_code == 202, answer.text
                    result = page.evaluate("() => window.__turn")
                    page_first[rid], page_done[rid] = result["first"], result["done"]
                    time.sleep(0.05)
                stats = page.evaluate("() => window.__oa.sync().user")
                browser.close()
            time.sleep(0.5)
            raw.stop = True
            rids = [r for r in accepted if r in raw.first and r in raw.done]
            raw_first = [raw.first[r] - accepted[r] for r in rids]
            raw_done = [raw.done[r] - accepted[r] for r in rids]
            shell_first = [page_first[r] - accepted[r] for r in rids]
            shell_done = [page_done[r] - accepted[r] for r in rids]
            print(f"{len(rids)} of {len(accepted)} turns on /chat/{{thread}} with the demo worker (one thread; the page follows the "
                  f"worker topic over Khala; sync stats: applied {stats['applied']}, dropped {stats['dropped']})")
            print(f"baseline (raw Khala client)  turn/start accepted -> first delta:      {fmt(raw_first)}")
            print(f"ours (shell, drawn frame)     turn/start accepted -> first delta drawn: {fmt(shell_first)}   "
                  f"ratio (p50) {statistics.median(shell_first) / max(0.1, statistics.median(raw_first)):.2f}")
            print(f"shell's share of the first delta (p50): {statistics.median(shell_first) - statistics.median(raw_first):.1f} ms")
            print(f"baseline (raw Khala client)  turn/start accepted -> turn/completed:   {fmt(raw_done)}")
            print(f"ours (shell, drawn frame)     turn/start accepted -> reply complete:    {fmt(shell_done)}")
        finally:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(15)
            server.stop()


if __name__ == "__main__":
    main()
