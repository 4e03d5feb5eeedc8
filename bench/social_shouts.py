"""GET /api/shouts (first page and a deep keyset page after 100 000 shouts) beside GET /healthz.

One granian worker of our app, same run, rounds alternating between the URLs so drift hits all
equally. Goals (issue 21): first page ≥ 0.5× /healthz req/s; the deep page within 1.2× the first
(the keyset cursor: a page 99 000 shouts down costs what the first does).
Four URLs: /healthz; the anonymous first page (what a /feed visitor gets: served from the 1 s
per-worker page cache, domains/social/page_cache.py); and, for the keyset comparison, the first and
the deep page as a signed-in viewer (never cached: each runs the query, blocks included).
The shouts are inserted with SQL straight into ``shouts`` (the read path is what is measured here;
bench/social_fanout.py measures the write path).
Usage: .venv/bin/python bench/social_shouts.py [--shouts 100000] [--seconds 10] [--rounds 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

import asyncpg
from _support import bench_database, granian, sign_in, wrk

AUTHORS = 1_000
PAGE = 30


async def seed(dsn: str, shouts: int) -> int:
    """``shouts`` shouts from 1 000 authors over the five zones; returns a seq ~99 % of the way down."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("TRUNCATE shouts, shout_zone_counts, users CASCADE")
        await conn.execute(
            """INSERT INTO users (id, provider, provider_user_id, email, name)
               SELECT 'user_b' || i, 'local', 'b' || i, 'b' || i || '@example.com', 'Bench ' || i
               FROM generate_series(1, $1) i""", AUTHORS)
        await conn.execute(
            """INSERT INTO shouts (id, seq, author_id, zone, body, created_at)
               SELECT 'sht_' || i, i, 'user_b' || (1 + i % $2),
                      (ARRAY['general','agents','builds','lightning','help'])[1 + i % 5],
                      'bench shout number ' || i || ' with a link https://example.com/' || i,
                      now() - make_interval(secs => $1 - i)
               FROM generate_series(1, $1) i""", shouts, AUTHORS)
        await conn.execute("INSERT INTO shout_zone_counts SELECT zone, count(*) FROM shouts GROUP BY zone")
        await conn.execute("ANALYZE shouts")
        return max(PAGE + 1, shouts // 100)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shouts", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    with bench_database() as dsn:
        deep = asyncio.run(seed(dsn, args.shouts))
        # The one viewer's token makes every signed-in request: lift the per-credential API budget
        # (ADR 0203, 20/s by default), which would otherwise answer most of them 429.
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
               "OPENAGENTS_API_RATE_PER_SECOND": "1000000", "OPENAGENTS_API_BURST": "100000000"}
        urls = {}
        with granian("openagents_server.app:create_app_from_env", factory=True, env=env) as url:
            import httpx

            viewer = {"authorization": f"Bearer {sign_in(url, dsn)}"}
            urls = {"healthz": url + "/healthz", "first anon": url + f"/api/shouts?limit={PAGE}",
                    "first": url + f"/api/shouts?limit={PAGE}", "deep": url + f"/api/shouts?limit={PAGE}&before={deep}"}
            headers = {"first": viewer, "deep": viewer}
            body = httpx.get(urls["deep"], headers=viewer).json()["data"]
            assert len(body["shouts"]) == PAGE and body["shouts"][0]["seq"] == deep - 1, body
            results: dict[str, list] = {name: [] for name in urls}
            for name, target in urls.items():  # warm-up
                wrk(target, seconds=2, connections=args.connections, headers=headers.get(name))
            for _ in range(args.rounds):
                for name, target in urls.items():
                    results[name].append(wrk(target, seconds=args.seconds, connections=args.connections,
                                             headers=headers.get(name)))

    print(f"granian 1 worker, {args.shouts} shouts, page {PAGE}, deep page = before={deep} "
          f"({args.shouts - deep + 1} shouts down), wrk {args.connections} connections, "
          f"{args.rounds}×{args.seconds}s per URL (medians)")
    summary = {}
    for name, runs in results.items():
        rps = statistics.median(r.requests_per_second for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        summary[name] = (rps, p99)
        print(f"{name:>10}: {rps:10.0f} req/s   p50 {statistics.median(r.p50_ms for r in runs):6.2f} ms"
              f"   p99 {p99:6.2f} ms   errors {sum(r.errors for r in runs)}")
    (h_rps, _), (a_rps, _) = summary["healthz"], summary["first anon"]
    (f_rps, f_p99), (d_rps, d_p99) = summary["first"], summary["deep"]
    print(f"ratio first anon/healthz req/s: {a_rps / h_rps:.2f} (goal ≥ 0.50); "
          f"first signed-in (uncached)/healthz: {f_rps / h_rps:.2f}")
    print(f"ratio deep/first: req/s {d_rps / f_rps:.2f}, p99 {d_p99 / f_p99:.2f} (goal: deep within 1.2× first)")


if __name__ == "__main__":
    main()
