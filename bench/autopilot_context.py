"""Context building for a 500-message thread: ms in CPython, and its share of a run's start.

(1) ``context.build`` of 500 messages (≈ 200 characters each) with the default budget, median of
200 builds. (2) Against one granian worker: a thread seeded with 500 messages, then ``POST
…/stream`` → the run's ``run.started`` event in the log (accepting the message, loading the
history, building the context, recording it), median of 10 runs; the share is (1) ÷ (2).
Usage: .venv/bin/python bench/autopilot_context.py
"""

from __future__ import annotations

import asyncio
import statistics
import time

import asyncpg
import httpx
from _support import bench_database, granian, sign_in
from openagents_server.domains.autopilots import context

MESSAGES = 500


def history() -> list[tuple[str, str]]:
    return [("user" if i % 2 == 0 else "assistant", f"message {i}: " + "lorem ipsum dolor sit amet " * 7)
            for i in range(MESSAGES)]


def build_ms() -> float:
    messages = history()
    policy = {"feed.post": "allow", "http.fetch": "allow", "noop": "allow"}
    times = []
    for _ in range(200):
        start = time.perf_counter()
        context.build(name="Bench", instructions="Be brief.", policy=policy, history=messages)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


async def start_ms(url: str, dsn: str, token: str) -> float:
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        autopilot = (await http.post("/api/autopilots", json={"name": "Bench"})).json()["data"]["id"]
        thread = (await http.post(f"/api/autopilots/{autopilot}/threads", json={"title": "long"})).json()["data"]["id"]
        conn = await asyncpg.connect(dsn)
        try:
            await conn.executemany("INSERT INTO autopilot_messages (thread_id, role, content) VALUES ($1, $2, $3)",
                                   [(thread, role, text) for role, text in history()])
            times = []
            for i in range(10):
                start = time.perf_counter()
                run = (await http.post(f"/api/autopilots/{autopilot}/stream",
                                       json={"text": f"hello {i}", "thread_id": thread})).json()["data"]["run_id"]
                while not await conn.fetchval("SELECT 1 FROM khala_events WHERE topic = $1 AND kind = 'run.started'",
                                              f"run:{run}:events"):
                    await asyncio.sleep(0.001)
                times.append((time.perf_counter() - start) * 1000)
                while not await conn.fetchval("SELECT 1 FROM autopilot_runs WHERE id = $1 AND status <> 'running'"
                                              " AND status <> 'created'", run):
                    await asyncio.sleep(0.005)
            return statistics.median(times)
        finally:
            await conn.close()


def main() -> None:
    built = build_ms()
    with bench_database() as dsn:
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test"}
        with granian("openagents_server.app:create_app_from_env", factory=True, env=env) as url:
            token = sign_in(url, dsn)
            started = asyncio.run(start_ms(url, dsn, token))
    print(f"context.build, {MESSAGES} messages, CPython: {built:.2f} ms (median of 200)")
    print(f"POST stream -> run.started, {MESSAGES}-message thread: {started:.2f} ms (median of 10)")
    print(f"share of the run's start spent building the context: {built / started:.1%}")


if __name__ == "__main__":
    main()
