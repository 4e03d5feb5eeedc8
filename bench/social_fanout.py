"""Feed fan-out: shouts posted through the social service reach 1 000 anonymous readers of
``feed:public`` (publish → delivered p50/p99), beside the harness's bare Litestar broadcast baseline.

Reuses bench/khala_fanout.py's Khala adapter for /work/shared/tools/fanout (raw WebSocket clients,
Khala HELLO/SUBSCRIBE, the spawned 2-worker granian) with three changes: the topic is ``feed:public``;
each reader's token is what ``POST /api/sync/public-token`` mints (scope ``feed.read``, topic
``feed:public``, its own anonymous subject); and each publish is a real shout: ``service.create_shout``
(advisory lock, duplicate check, rate counter, feed append and insert in one transaction) by one of
2 000 people in turn. The harness's payload (its publish timestamp) is the shout's text.

  .venv/bin/python bench/social_fanout.py [--rate 10] [--duration 20] [-n 1000] [--skip-baselines] [--durable]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench import khala_fanout as kf

TOPIC = "feed:public"
PEOPLE = 2_000  # each within the 10-shouts-a-minute rate at the rates run here


def _loadgen_child() -> None:
    """khala_fanout's adapter, pointed at feed:public with public tokens and shout payloads."""
    sys.path.insert(0, str(kf.FANOUT))
    import loadgen  # type: ignore[import-not-found]
    from openagents_proto.sync.v1 import khala_pb2
    from openagents_server.domains.identity import sync_tokens
    from openagents_server.khala import tokens

    kf.TOPIC = TOPIC
    kf.__file__ = str(Path(__file__).resolve())  # its publisher process is ours (--publisher-child below)
    mint = tokens.mint_sync_token

    def public_token(keys, **kw):  # what POST /api/sync/public-token grants, one anonymous subject each
        kw.update(user_id="anon_" + kw["user_id"], scopes=sync_tokens.PUBLIC_SCOPES, topics=sync_tokens.PUBLIC_TOPICS)
        return mint(keys, **kw)

    tokens.mint_sync_token = public_token
    batch_kind = khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH
    real_main = loadgen.main

    def main() -> None:
        adapter = loadgen.ADAPTERS["khala"]
        khala_parser = adapter.parser

        def parser(self):  # the shout's text is the harness's payload
            fallback = khala_parser(self)

            def parse(data):
                frame = khala_pb2.KhalaFrame()
                frame.ParseFromString(data)
                if frame.kind != batch_kind:
                    return fallback(data)
                batch = khala_pb2.UpdateBatch()
                batch.ParseFromString(frame.payload_bytes)
                return [json.loads(u.payload)["text"].encode() for u in batch.updates], ()
            return parse

        adapter.parser = parser
        real_main()

    loadgen.main = main
    kf._install_khala_adapter()


def _publisher_child() -> None:
    """Each stdin line becomes a shout by the next of PEOPLE, through the social service."""
    import asyncpg
    import uvloop
    from openagents_server.domains.identity.context import AuthContext
    from openagents_server.domains.social import service
    from openagents_server.errors import DomainError
    from openagents_server.khala import log

    async def run() -> None:
        sync = os.environ.get("KHALA_BENCH_SYNCHRONOUS_COMMIT", "off")
        pool = await asyncpg.create_pool(os.environ["KHALA_BENCH_DSN"], min_size=4, max_size=4,
                                         server_settings={"synchronous_commit": sync})
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        tasks: set[asyncio.Task[None]] = set()
        refused: dict[str, int] = {}
        commit_ms: list[float] = []
        n = 0

        async def shout(n: int, text: str) -> None:
            who = f"user_fan{n % PEOPLE}"
            start = loop.time()
            try:
                await service.create_shout(pool, AuthContext(user_id=who, email=f"{who}@example.com", name=who,
                                                             kind="session"), text=text, zone=None)
            except DomainError as exc:
                refused[exc.code] = refused.get(exc.code, 0) + 1
                return
            commit_ms.append((loop.time() - start) * 1000)

        while line := await reader.readline():
            n += 1
            task = asyncio.create_task(shout(n, line.decode().strip()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks, return_exceptions=True)
        await log.flush_notifications(pool)
        await pool.close()
        c = sorted(commit_ms)
        if c:
            print(f"SHOUT (create_shout → commit, synchronous_commit={sync}): p50 {c[len(c) // 2]:.1f} ms, "
                  f"p99 {c[len(c) * 99 // 100]:.1f} ms, max {c[-1]:.1f} ms", flush=True)
        if refused:
            print(f"SHOUT refused (never delivered; the generator counts them lost): {refused}", flush=True)

    uvloop.run(run())


def _loadgen(adapter: str, extra: list[str], env: dict[str, str], tag: str) -> list[dict]:
    out = kf.SCRATCH / f"social-bench-{tag}.jsonl"
    out.unlink(missing_ok=True)
    if adapter == "khala":
        cmd = [sys.executable, str(Path(__file__).resolve()), "--loadgen-child", "--adapter", "khala",
               "--client", "raw-khala"]
    else:
        cmd = [sys.executable, str(kf.FANOUT / "loadgen.py"), "--adapter", adapter]
    cmd += ["--spawn", "--json-out", str(out), *extra]
    print(f"\n$ {' '.join(cmd)}", flush=True)
    subprocess.run(cmd, env={**os.environ, **env}, cwd=kf.FANOUT, check=False, timeout=900)
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


def main() -> None:
    if "--loadgen-child" in sys.argv:
        _loadgen_child()
        return
    if "--publisher-child" in sys.argv:
        _publisher_child()
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--rate", type=float, default=10.0, help="shouts per second")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--durable", action="store_true", help="shouts wait for the WAL flush (synchronous_commit=on)")
    args = ap.parse_args()
    kf.SCRATCH.mkdir(parents=True, exist_ok=True)

    from bench._common import fresh_database, postmaster_pid, start_cluster, stop_cluster

    cluster = start_cluster()
    try:
        dsn = fresh_database(cluster)
        pg_pid = postmaster_pid(cluster)

        async def people() -> None:
            import asyncpg

            conn = await asyncpg.connect(dsn)
            await conn.execute(
                """INSERT INTO users (id, provider, provider_user_id, email, name)
                   SELECT 'user_fan' || i, 'local', 'fan' || i, 'fan' || i || '@example.com', 'Fan ' || i
                   FROM generate_series(0, $1 - 1) i""", PEOPLE)
            await conn.close()

        asyncio.run(people())
        floor = asyncio.run(kf._notify_floor(dsn))
        fixed = ["-n", str(args.n), "--rate", str(args.rate), "--duration", str(args.duration), "--size", "60"]
        results: dict[str, dict] = {}
        if not args.skip_baselines:
            runs = _loadgen("bare-litestar", fixed, {}, "bare")
            if runs and runs[-1]["phases"]:
                results["bare-litestar"] = runs[-1]["phases"][-1]
        env = {"KHALA_BENCH_DSN": dsn, "KHALA_BENCH_SYNCHRONOUS_COMMIT": "on" if args.durable else "off"}
        runs = _loadgen("khala", fixed + ["--workers", str(args.workers), "--server-pid", str(pg_pid)], env, "feed")
        if runs and runs[-1]["phases"]:
            results["feed:public"] = runs[-1]["phases"][-1]
    finally:
        stop_cluster(cluster)

    print(f"\n=== Feed fan-out: {args.n} anonymous readers of feed:public, {args.rate:g} shouts/s, "
          f"{args.duration:g} s (machine shared with other engineers) ===")
    print(f"floor (raw LISTEN/NOTIFY round trip): p50 {floor['p50_ms']} ms  p99 {floor['p99_ms']} ms")
    print(f"shouts: service.create_shout, synchronous_commit={'on' if args.durable else 'off'}")
    print(f"{'system':<16}{'received/expected':>22}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'srv CPU':>9}{'gen CPU':>9}")
    for name, r in results.items():
        print(f"{name:<16}{str(r['received']) + '/' + str(r['expected']):>22}{r['delivered_per_s']:>9.0f}"
              f"{r['lat_ms']['p50']:>9}{r['lat_ms']['p99']:>9}{r['lat_ms']['max']:>9}"
              f"{(r['server_cpu_util'] or 0):>9.0%}{r['gen_cpu_util']:>9.0%}")
    if "feed:public" in results and "bare-litestar" in results:
        k, b = results["feed:public"]["lat_ms"]["p99"], results["bare-litestar"]["lat_ms"]["p99"]
        print(f"ratio p99 feed / bare-litestar: {k / b:.2f}" if b else "ratio: n/a")


if __name__ == "__main__":
    main()
