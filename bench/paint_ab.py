"""First-paint A/B of shell variants, interleaved in one run (a tool for changing index.html, styles or
boot.js, not a goal report: that is `bench/boot.py`).

Each variant is a checkout of this repository (e.g. a `git worktree` with one change). Every variant is
built into its own bundle directory and served by its own granian on its own database; the one-line page
(the floor) is served as in `bench/boot.py`. Rounds rotate the order of variants, and each round gives
every variant a fresh persistent profile and a cold, a warm (new tab) and a restart load, with the same
navigation method as `bench/boot.py` (from a page of another site, after the browser has settled).
On a 2-core VM a single load varies by 10–30 ms, so compare medians over many rounds, in one run.

    git worktree add /tmp/wt-x && (edit /tmp/wt-x/static/...)
    .venv/bin/python bench/paint_ab.py --rounds 10 base=. x=/tmp/wt-x
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from openagents_build import BuildOptions, build_bundle
from openagents_server.db.embedded import EmbeddedPostgres
from openagents_server.db.migrate import apply_migrations

from bench.boot import (
    ELSEWHERE_HOST,
    ELSEWHERE_HTML,
    FLOOR_HTML,
    LOADS,
    Proxy,
    profile_loads,
    start_floor_sw,
    start_static,
)
from tests.support.servers import LiveServer

WORK = REPO / "var" / "paint-ab"


def parse_variants(specs: list[str]) -> dict[str, Path]:
    variants: dict[str, Path] = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if not name or not path or name == "floor":
            raise SystemExit(f"variant {spec!r}: expected NAME=PATH (and not the name 'floor')")
        variants[name] = Path(path).resolve()
    return variants


async def fresh_database(cluster: EmbeddedPostgres, name: str) -> str:
    import asyncpg

    admin = await asyncpg.connect(cluster.dsn("postgres"))
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    conn = await asyncpg.connect(cluster.dsn(name))
    await apply_migrations(conn)
    await conn.close()
    return cluster.dsn(name)


def summary(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.median(values):5.0f} (±{sd:3.0f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+", help="NAME=PATH of a checkout")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--route", default="/settings/profile")
    a = ap.parse_args()
    variants = parse_variants(a.variants)
    shutil.rmtree(WORK, ignore_errors=True)
    servers: dict[str, LiveServer] = {}
    cluster = EmbeddedPostgres(REPO / "var" / "bench-pg", database="postgres",
                               server_settings={"fsync": "off", "synchronous_commit": "off"})
    cluster.start()
    scratch = Path(tempfile.mkdtemp(prefix="oa-paint-ab-"))
    try:
        proxies: dict[str, Proxy] = {}
        urls: dict[str, str] = {}
        for i, (name, checkout) in enumerate(variants.items()):
            bundles = WORK / name / "bundles"
            built = build_bundle(BuildOptions(repo=checkout, bundles_dir=bundles, cache_dir=REPO / "var" / "build-cache"))
            print(f"{name}: {checkout} → bundle {built.build_id}", flush=True)
            dsn = asyncio.run(fresh_database(cluster, f"oa_paint_ab_{i}"))
            servers[name] = LiveServer(dsn, env={"OPENAGENTS_BUNDLES_DIR": str(bundles)}).start()
            proxies[name] = Proxy(servers[name].port)
            urls[name] = f"http://127.0.0.1:{proxies[name].port}{a.route}"
        floor_site = WORK / "floor-site"
        floor_site.mkdir(parents=True, exist_ok=True)
        (floor_site / "paint.html").write_text(FLOOR_HTML)
        floor, floor_port = start_static(floor_site)
        proxies["floor"] = Proxy(floor_port)
        urls["floor"] = f"http://127.0.0.1:{proxies['floor'].port}/paint.html"
        floor_sw, floor_sw_port = start_floor_sw(WORK / "floor-sw-site")
        proxies["floor-sw"] = Proxy(floor_sw_port)
        urls["floor-sw"] = f"http://127.0.0.1:{proxies['floor-sw'].port}/paint-sw.html"
        elsewhere_site = WORK / "elsewhere-site"
        elsewhere_site.mkdir(parents=True, exist_ok=True)
        (elsewhere_site / "elsewhere.html").write_text(ELSEWHERE_HTML)
        elsewhere, elsewhere_port = start_static(elsewhere_site, ELSEWHERE_HOST)
        came_from = f"http://{ELSEWHERE_HOST}:{elsewhere_port}/elsewhere.html"

        from playwright.sync_api import sync_playwright

        names = ["floor", "floor-sw", *variants]
        fp: dict[str, dict[str, list[float]]] = {n: {load: [] for load in LOADS} for n in names}
        fcp: dict[str, dict[str, list[float]]] = {n: {load: [] for load in LOADS} for n in names}
        ready: dict[str, dict[str, list[float]]] = {n: {load: [] for load in LOADS} for n in names}
        with sync_playwright() as pw:
            for r in range(a.rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                line = []
                for name in order:
                    settle = 0.2 if name == "floor" else 3.0
                    for load, rec in profile_loads(pw, scratch / f"{name}-{r}", urls[name], proxies[name], settle,
                                                   came_from):
                        fp[name][load].append(rec["fp"])
                        fcp[name][load].append(rec["fcp"])
                        ready[name][load].append(rec["app"])
                    line.append(f"{name} " + "/".join(f"{fp[name][load][-1]:.0f}" for load in LOADS))
                print(f"  round {r}: " + " · ".join(line), flush=True)
        floor.shutdown()
        floor_sw.shutdown()
        elsewhere.shutdown()
        print(f"\nfirst paint, median (± sd) over {a.rounds} rounds, ms; FCP medians in brackets")
        print(f"{'variant':12s} | " + " | ".join(f"{load:>20s}" for load in LOADS))
        for name in names:
            cells = [f"{summary(fp[name][load])} [{statistics.median(fcp[name][load]):4.0f}]" for load in LOADS]
            print(f"{name:12s} | " + " | ".join(f"{c:>20s}" for c in cells))
        print("\nready (the shell's first frame; the floor's script), median ms")
        for name in names:
            print(f"{name:12s} | " + " | ".join(f"{statistics.median(ready[name][load]):20.0f}" for load in LOADS))
    finally:
        for server in servers.values():
            server.stop()
        cluster.stop(mode="immediate")
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
