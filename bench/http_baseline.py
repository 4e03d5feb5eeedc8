"""GET /healthz through the full middleware stack vs a bare Litestar app, both under granian.

Same machine, same run, alternating rounds so drift hits both sides equally. Goal: ratio ≥ 0.8.
Usage: .venv/bin/python bench/http_baseline.py [--seconds 10] [--rounds 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import statistics

from _support import bench_database, granian, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    results: dict[str, list] = {"bare": [], "ours": []}
    with bench_database() as dsn:
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test"}
        with granian("bench._bare_app:app") as bare_url, \
                granian("openagents_server.app:create_app_from_env", factory=True, env=env) as our_url:
            for url in (bare_url, our_url):  # warm-up
                wrk(url + "/healthz", seconds=2, connections=args.connections)
            for _ in range(args.rounds):
                results["bare"].append(wrk(bare_url + "/healthz", seconds=args.seconds, connections=args.connections))
                results["ours"].append(wrk(our_url + "/healthz", seconds=args.seconds, connections=args.connections))

    def summary(name: str) -> tuple[float, float]:
        runs = results[name]
        rps = statistics.median(r.requests_per_second for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        print(f"{name:>5}: {rps:10.0f} req/s   p50 {statistics.median(r.p50_ms for r in runs):6.2f} ms"
              f"   p99 {p99:6.2f} ms   errors {errors}")
        return rps, p99

    print(f"GET /healthz, granian 1 worker, wrk {args.connections} connections, "
          f"{args.rounds}×{args.seconds}s per side (medians)")
    bare_rps, bare_p99 = summary("bare")
    our_rps, our_p99 = summary("ours")
    print(f"ratio ours/bare req/s: {our_rps / bare_rps:.2f} (goal ≥ 0.80);  p99 ours/bare: {our_p99 / bare_p99:.2f}")


if __name__ == "__main__":
    main()
