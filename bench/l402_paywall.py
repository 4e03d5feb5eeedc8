"""L402 costs, measured in one run (loaded machine: other work shares these 2 cores).

1. Paywall verification: ``GET /api/demo/fortune`` with a cached valid L402 credential vs the same
   route with its paywall disabled, on the same granian process (1 worker) and PostgreSQL,
   alternating rounds. Goal (issue 24): ratio ≥ 0.7 — verifying a credential must be cheap.
2. L402 client round trip against the fake backend: ``payments.client.fetch`` (what the autopilot's
   ``l402.fetch`` tool calls) with the credential cache emptied before each call, so every call is
   402 → policy + pay (row lock, backend, receipt) → retry (verify + settlement): p50/p95.
3. Upstream proxy (a paywall with ``upstream_url``, Aperture's model): ``GET /api/bare/healthz`` through
   the paywall with a cached credential (gate + guarded httpx hop to the upstream) vs the same
   upstream (``bench/_bare_app.py`` on its own granian) asked directly. Not a goal of issue 24; it
   shows what the extra hop costs.

Usage: .venv/bin/python bench/l402_paywall.py [--seconds 10] [--rounds 2] [--connections 32] [--fetches 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import asyncpg
import httpx
from _support import bench_database, granian, sign_in, wrk

ADMIN = "bench-admin@example.com"


async def client_round_trips(dsn: str, url: str, user_id: str, fetches: int) -> list[float]:
    from openagents_server.db.pool import init_connection
    from openagents_server.domains.identity.context import AuthContext
    from openagents_server.domains.payments import client
    from openagents_server.domains.payments.kit import LightningKit
    from openagents_server.observability import configure_logging
    from openagents_server.settings import load_settings

    # The server under test is on 127.0.0.1: the L402 client's development allowance, explicit.
    settings = load_settings({}, env="test", database_url=dsn, l402_http_allow=("127.0.0.1",))
    configure_logging("error", "console")
    kit = LightningKit.from_settings(settings)
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4, init=init_connection)
    auth = AuthContext(user_id=user_id, email=ADMIN, name=None, kind="session")
    timings = []
    try:
        for _ in range(fetches):
            kit.credentials._hot.clear()
            await pool.execute("DELETE FROM l402_credentials")
            started = time.perf_counter()
            result = await client.fetch(pool, kit, auth, url=url + "/api/demo/fortune")
            timings.append((time.perf_counter() - started) * 1000)
            assert result["status"] == 200 and result["paid"], result
    finally:
        await pool.close()
        await kit.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--fetches", type=int, default=200)
    args = parser.parse_args()

    with bench_database() as dsn:
        async def reset() -> None:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute("TRUNCATE users, auth_challenges, rate_limit_buckets, api_credential_buckets, "
                                   "sign_in_failures, l402_paywalls, l402_challenges, l402_settlements, "
                                   "l402_deployments CASCADE")
            finally:
                await conn.close()

        asyncio.run(reset())
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
               "OPENAGENTS_ADMIN_EMAILS": ADMIN, "OPENAGENTS_API_RATE_PER_SECOND": "1000000",
               "OPENAGENTS_API_BURST": "100000000", "OPENAGENTS_L402_HTTP_ALLOW": "127.0.0.1"}
        with granian("bench._bare_app:app") as bare_url, \
                granian("openagents_server.app:create_app_from_env", factory=True, env=env) as url:
            admin = {"authorization": f"Bearer {sign_in(url, dsn, ADMIN, device_id='bench:l402')}"}
            with httpx.Client(base_url=url, headers=admin, timeout=30) as http:
                paywall = http.post("/api/l402/paywalls", json={"name": "Fortune", "route_prefix": "/api/demo",
                                                                "price_sats": 10, "credential_ttl_seconds": 86_400}).json()["data"]
                wallet = http.post("/api/agent-payments/wallet", json={
                    "allowed_hosts": ["127.0.0.1:*"], "daily_budget_sats": 100_000_000, "max_payment_sats": 1000}).json()["data"]
                http.post("/api/agent-payments/invoice", json={"amount_sats": 10_000_000})
                challenged = httpx.get(url + "/api/demo/fortune")
                assert challenged.status_code == 402
                from openagents_server.domains.l402.challenge import credential_header, parse_challenge

                found = parse_challenge(challenged.headers["www-authenticate"])
                paid = http.post("/api/agent-payments/pay", json={"invoice": found.invoice}).json()["data"]
                credential = {"authorization": credential_header(found.macaroon, paid["receipt"]["preimage"])}
                assert httpx.get(url + "/api/demo/fortune", headers=credential).status_code == 200

                def toggle(enabled: bool) -> None:
                    http.patch(f"/api/l402/paywalls/{paywall['id']}", json={"enabled": enabled}).raise_for_status()

                free, paid_runs = [], []
                toggle(False)
                wrk(url + "/api/demo/fortune", seconds=2, connections=args.connections)  # warm-up
                for _ in range(args.rounds):
                    toggle(False)
                    free.append(wrk(url + "/api/demo/fortune", seconds=args.seconds, connections=args.connections))
                    toggle(True)
                    paid_runs.append(wrk(url + "/api/demo/fortune", seconds=args.seconds, connections=args.connections,
                                         headers=credential))
                timings = asyncio.run(client_round_trips(dsn, url, wallet["user_id"], args.fetches))

                http.post("/api/l402/paywalls", json={"name": "Bare", "route_prefix": "/api/bare", "price_sats": 10,
                                                      "credential_ttl_seconds": 86_400, "upstream_url": bare_url}
                          ).raise_for_status()
                challenged = httpx.get(url + "/api/bare/healthz")
                assert challenged.status_code == 402, challenged.text
                found = parse_challenge(challenged.headers["www-authenticate"])
                paid = http.post("/api/agent-payments/pay", json={"invoice": found.invoice}).json()["data"]
                upstream_credential = {"authorization": credential_header(found.macaroon, paid["receipt"]["preimage"])}
                assert httpx.get(url + "/api/bare/healthz", headers=upstream_credential).json() == {"data": {"status": "ok"}}
                direct, proxied = [], []
                for _ in range(args.rounds):
                    direct.append(wrk(bare_url + "/healthz", seconds=args.seconds, connections=args.connections))
                    proxied.append(wrk(url + "/api/bare/healthz", seconds=args.seconds, connections=args.connections,
                                       headers=upstream_credential))

    errors = [r.errors for r in free + paid_runs + direct + proxied]
    if any(errors):
        print(f"WARNING: non-2xx responses or socket errors per run (free…, paid…): {errors}")
    free_rps = statistics.median(r.requests_per_second for r in free)
    paid_rps = statistics.median(r.requests_per_second for r in paid_runs)
    print("L402 paywall verification (loaded machine; granian 1 worker; same run, alternating rounds)")
    print(f"  baseline: paywall disabled          {free_rps:10.0f} req/s  p50 {statistics.median(r.p50_ms for r in free):.2f} ms")
    print(f"  ours:     cached valid credential   {paid_rps:10.0f} req/s  p50 {statistics.median(r.p50_ms for r in paid_runs):.2f} ms")
    print(f"  ratio {paid_rps / free_rps:.2f} (goal ≥ 0.7)")
    timings.sort()
    p50 = timings[len(timings) // 2]
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    print(f"L402 client round trip (402 → pay → retry, fake backend), {len(timings)} calls: "
          f"p50 {p50:.1f} ms  p95 {p95:.1f} ms")
    direct_rps = statistics.median(r.requests_per_second for r in direct)
    proxied_rps = statistics.median(r.requests_per_second for r in proxied)
    print("L402 upstream proxy (paywall with upstream_url, cached credential) vs the upstream asked directly")
    print(f"  baseline: upstream directly         {direct_rps:10.0f} req/s  p50 {statistics.median(r.p50_ms for r in direct):.2f} ms")
    print(f"  ours:     through the paywall proxy {proxied_rps:10.0f} req/s  p50 {statistics.median(r.p50_ms for r in proxied):.2f} ms")
    print(f"  ratio {proxied_rps / direct_rps:.2f} (no goal: one more HTTP hop through Python)")


if __name__ == "__main__":
    main()
