"""Cost of authentication per request: GET /api/me with a Bearer access token vs GET /healthz.

Both against the same granian process (1 worker) and PostgreSQL, in the same run, alternating rounds
so drift hits both sides equally. /api/me does the real work: token hash → session + user lookup
and memberships (one query), served from the per-process credential cache after the first request
(ADR 0200); a second server with the cache off shows the cost of the database lookup itself.
The per-credential ceiling (issue 18, ADR 0203) is on in both: its budget is raised above what wrk
can send, so every request pays for the check (a local lease; one PostgreSQL statement per 100
requests) and none is refused.
Goal (issue 5, re-checked by issue 18): ratio ≥ 0.6.
Usage: .venv/bin/python bench/auth_tokens.py [--seconds 10] [--rounds 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

import asyncpg
from _support import bench_database, granian, server_cpu_seconds, sign_in, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    results: dict[str, list] = {"healthz": [], "me": [], "me_nocache": []}
    cpu: dict[str, list[float]] = {"healthz": [], "me": [], "me_nocache": []}

    def measured(name: str, server: str, path: str, headers: dict[str, str] | None = None) -> None:
        before = server_cpu_seconds(server)
        run = wrk(server + path, seconds=args.seconds, connections=args.connections, headers=headers)
        results[name].append(run)
        cpu[name].append((server_cpu_seconds(server) - before) / max(1, run.requests) * 1e6)

    with bench_database() as dsn:
        # Clean slate for the bench user (the private cluster persists across runs).
        async def reset() -> None:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute("TRUNCATE users, auth_challenges, rate_limit_buckets, api_credential_buckets, sign_in_failures CASCADE")
            finally:
                await conn.close()

        asyncio.run(reset())
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
               # The ceiling stays on, sized above wrk's rate: measured, never refusing (see above).
               "OPENAGENTS_API_RATE_PER_SECOND": "1000000", "OPENAGENTS_API_BURST": "100000000"}
        nocache_env = {**env, "OPENAGENTS_AUTH_CACHE_SECONDS": "0"}
        with granian("openagents_server.app:create_app_from_env", factory=True, env=env) as url, \
                granian("openagents_server.app:create_app_from_env", factory=True, env=nocache_env) as nocache_url:
            auth = {"authorization": f"Bearer {sign_in(url, dsn)}"}
            wrk(url + "/healthz", seconds=2, connections=args.connections)  # warm-up
            wrk(url + "/api/me", seconds=2, connections=args.connections, headers=auth)
            wrk(nocache_url + "/api/me", seconds=2, connections=args.connections, headers=auth)
            for _ in range(args.rounds):
                measured("healthz", url, "/healthz")
                measured("me", url, "/api/me", auth)
                measured("me_nocache", nocache_url, "/api/me", auth)

    def summary(name: str, label: str) -> tuple[float, float]:
        runs = results[name]
        rps = statistics.median(r.requests_per_second for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        errors = sum(r.errors for r in runs)
        print(f"{label:>24}: {rps:10.0f} req/s   p50 {statistics.median(r.p50_ms for r in runs):6.2f} ms"
              f"   p99 {p99:6.2f} ms   non-2xx/errors {errors}   server CPU {statistics.median(cpu[name]):6.1f} µs/req")
        return rps, p99

    print("per-credential ceiling on (lease batch 100; budget above wrk's rate, so no 429)")
    print(f"granian 1 worker, wrk {args.connections} connections, {args.rounds}×{args.seconds}s per side (medians)")
    base_rps, base_p99 = summary("healthz", "GET /healthz (no auth)")
    me_rps, me_p99 = summary("me", "GET /api/me (Bearer)")
    raw_rps, raw_p99 = summary("me_nocache", "GET /api/me (cache off)")
    print(f"ratio /api/me ÷ /healthz req/s: {me_rps / base_rps:.2f} (goal ≥ 0.60);  p99 ratio: {me_p99 / base_p99:.2f}")
    print(f"server CPU per request, /healthz ÷ /api/me (steadier than req/s on a loaded machine): "
          f"{statistics.median(cpu['healthz']) / statistics.median(cpu['me']):.2f}")
    print(f"  without the credential cache (every request reads PostgreSQL): {raw_rps / base_rps:.2f};"
          f"  p99 ratio: {raw_p99 / base_p99:.2f}")


if __name__ == "__main__":
    main()
