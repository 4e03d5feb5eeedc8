"""What /metrics costs on the hot path: GET /healthz and GET /api/me with metrics on vs off.

Two granian servers (1 worker each) on the same database, in the same run, alternating rounds so
drift hits both sides equally. "on" is production's set-up: the HTTP middleware, the statement timer
and prometheus-client's multiprocess (memory-mapped) values; "off" is OPENAGENTS_METRICS_ENABLED=false.
Goal (issue 25): ratio on/off ≥ 0.9.
Usage: .venv/bin/python bench/metrics_overhead.py [--seconds 10] [--rounds 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

import asyncpg
from _support import bench_database, granian, sign_in, wrk
from openagents_server.metrics.multiproc import MULTIPROC_ENV, fresh_metrics_dir


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    sides = ("off", "on")
    paths = ("/healthz", "/api/me")
    results: dict[tuple[str, str], list] = {(s, p): [] for s in sides for p in paths}
    with bench_database() as dsn:
        async def reset() -> None:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute("TRUNCATE users, auth_challenges, rate_limit_buckets, api_credential_buckets, "
                                   "sign_in_failures CASCADE")
            finally:
                await conn.close()

        asyncio.run(reset())
        base = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
                "OPENAGENTS_API_RATE_PER_SECOND": "1000000", "OPENAGENTS_API_BURST": "100000000"}
        on_env = {**base, "OPENAGENTS_METRICS_ENABLED": "true",
                  MULTIPROC_ENV: fresh_metrics_dir(Path(tempfile.mkdtemp(prefix="oa-bench-metrics-")))}
        off_env = {**base, "OPENAGENTS_METRICS_ENABLED": "false"}
        target = "openagents_server.app:create_app_from_env"
        with granian(target, factory=True, env=off_env) as off_url, granian(target, factory=True, env=on_env) as on_url:
            urls = {"off": off_url, "on": on_url}
            auth = {"authorization": f"Bearer {sign_in(on_url, dsn)}"}
            for side in sides:  # warm-up
                for path in paths:
                    wrk(urls[side] + path, seconds=2, connections=args.connections, headers=auth)
            for n in range(args.rounds):
                for path in paths:
                    for side in (sides if n % 2 == 0 else sides[::-1]):  # neither side always goes first
                        results[(side, path)].append(wrk(urls[side] + path, seconds=args.seconds,
                                                         connections=args.connections, headers=auth))

    print(f"granian 1 worker, wrk {args.connections} connections, {args.rounds}×{args.seconds}s per side (medians)")
    for path in paths:
        rps = {}
        for side in sides:
            runs = results[(side, path)]
            rps[side] = statistics.median(r.requests_per_second for r in runs)
            p99 = statistics.median(r.p99_ms for r in runs)
            print(f"GET {path:<8} metrics {side:>3}: {rps[side]:9.0f} req/s   p99 {p99:6.2f} ms   "
                  f"errors {sum(r.errors for r in runs)}")
        print(f"GET {path:<8} ratio on/off req/s: {rps['on'] / rps['off']:.3f} (goal ≥ 0.90)")


if __name__ == "__main__":
    main()
