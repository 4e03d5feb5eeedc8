"""Where one worker spends a ``tools/execute`` no-op call: cProfile around N sequential calls made
in-process (httpx's ASGI transport straight into the app: no sockets, no granian), against the bench
cluster. Prints the top functions by cumulative and by own time, and CPU µs per call.
Usage: .venv/bin/python bench/tools_execute_profile.py [--calls 2000] [--sort tottime]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import secrets
import time

import asyncpg
import httpx
from _support import bench_database


async def profile(dsn: str, calls: int, sort: str, limit: int) -> None:
    os.environ.update({"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
                       "OPENAGENTS_API_RATE_PER_SECOND": "1000000", "OPENAGENTS_API_BURST": "100000000"})
    from openagents_server.app import create_app_from_env

    app = create_app_from_env()
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                  base_url="http://bench") as http:
        sent = (await http.post("/api/auth/email", json={"email": "bench@example.com"})).json()["data"]
        conn = await asyncpg.connect(dsn)
        code = await conn.fetchval("SELECT local_code FROM auth_challenges WHERE email = $1 ORDER BY created_at DESC "
                                   "LIMIT 1", "bench@example.com")
        await conn.close()
        verified = await http.post("/api/auth/verify", json={"email": "bench@example.com", "code": code,
                                                             "challenge_id": sent["challenge_id"]})
        headers = {"authorization": f"Bearer {verified.json()['data']['session']['access_token']}"}
        prefix = secrets.token_hex(4)

        async def call(i: int) -> None:
            r = await http.post("/api/runtime/tools/execute", headers=headers,
                                json={"invocation_id": f"p{prefix}-{i}", "tool": "noop", "arguments": {}})
            assert r.status_code == 200, r.text

        for i in range(200):  # warm
            await call(-i - 1)
        profiler = cProfile.Profile()
        cpu, wall = time.process_time(), time.perf_counter()
        profiler.enable()
        for i in range(calls):
            await call(i)
        profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        health = time.process_time()
        for _ in range(calls):
            await http.get("/healthz")
        health = time.process_time() - health
    print(f"{calls} sequential calls in-process (client included, profiler on): "
          f"{cpu / calls * 1e6:.0f} µs CPU per call, {wall / calls * 1e3:.2f} ms wall; "
          f"/healthz same way (no profiler): {health / calls * 1e6:.0f} µs")
    pstats.Stats(profiler).strip_dirs().sort_stats(sort).print_stats(limit)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--limit", type=int, default=45)
    args = parser.parse_args()
    with bench_database() as dsn:
        asyncio.run(profile(dsn, args.calls, args.sort, args.limit))


if __name__ == "__main__":
    main()
