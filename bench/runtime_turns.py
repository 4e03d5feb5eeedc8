#!/usr/bin/env python3
"""Turns through demo workers, end to end over the public API and Khala (real granian, real
PostgreSQL with fsync on, real worker clients over HTTP + WebSocket).

1. First delta: ``turn/start`` accepted (the 202 arrives at the client) → the first
   ``item/agentMessage/delta`` at a raw Khala client subscribed to the worker's topic, and → the
   ``codex.response``; p50/p95 over ``--turns`` sequential turns on one demo worker. Baseline (same
   turns): ``turn/start`` sent → its ``codex.request`` event at the same Khala client (committed with
   the 202: the server's own path, no worker in between); ours: sent → first delta (the worker picks
   the request up over Khala, runs the adapter and posts the delta back). Their ratio shows what the
   worker round trip adds.
2. Load: ``--concurrent`` turns at once across ``--workers`` demo workers (the demo produces a delta every
   10 ms per turn, ~100 tokens/s); every delta each Khala
   client sees is checked against the demo's deterministic reply (0 lost, 0 duplicated), and the
   delta latency (the worker hands the delta to its reporter → the Khala client has it) p50/p95.

The worker clients run in this process (``runner.Worker``, the same code ``openagents worker run``
runs), so one clock times both ends.

  .venv/bin/python bench/runtime_turns.py [--turns 50] [--workers 20] [--concurrent 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from openagents_server.domains.runtime.worker import runner
from openagents_server.domains.runtime.worker.adapters import DemoAdapter

from bench._support import bench_database, granian
from tests.identity.conftest import pending_code
from tests.khala.support import Closed, KhalaClient

BASE = "/api/runtime/codex/workers"
PER_PERSON = 5
SENT: dict[tuple[str, int], float] = {}  # (request id, delta index) -> when the worker produced it
COUNTS: dict[str, int] = {}


class TimedReporter(runner._Reporter):
    """The worker's reporter, stamping each delta as the adapter hands it over."""

    def notify(self, method: str, params: dict) -> None:
        if method == "item/agentMessage/delta":
            index = COUNTS.get(self.request_id, 0)
            COUNTS[self.request_id] = index + 1
            SENT[(self.request_id, index)] = time.monotonic()
        super().notify(method, params)


runner._Reporter = TimedReporter  # type: ignore[misc]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def sign_in(url: str, dsn: str, email: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=url) as http:
        sent = await http.post("/api/auth/email", json={"email": email})
        code = await pending_code(dsn, email)
        verified = await http.post("/api/auth/verify", json={"email": email, "code": code,
                                                             "challenge_id": sent.json()["data"]["challenge_id"]})
        access = verified.json()["data"]["session"]["access_token"]
        pat = await http.post("/api/tokens", json={"name": "bench", "abilities": ["*"]},
                              headers={"authorization": f"Bearer {access}"})
        return access, pat.json()["data"]["token"]


class Observer:
    """A raw Khala client on one worker topic, recording when each update arrives."""

    def __init__(self, client: KhalaClient, topic: str) -> None:
        self.client, self.topic = client, topic
        self.events: list[tuple[float, dict]] = []
        self.waiters: dict[str, asyncio.Future] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while True:
            try:
                message = await self.client.recv(3600)
            except Closed:
                return
            now = time.monotonic()
            for update in getattr(message, "updates", ()):
                payload = json.loads(update.payload)
                self.events.append((now, payload))
                key = f"{payload.get('type')}:{payload.get('request_id')}"
                for wanted in (key, f"first_delta:{payload.get('request_id')}"):
                    if wanted.startswith("first_delta") and payload.get("method") != "item/agentMessage/delta":
                        continue
                    future = self.waiters.pop(wanted, None)
                    if future is not None and not future.done():
                        future.set_result(now)

    def wait(self, key: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiters[key] = future
        return future


async def setup_worker(url: str, pat: str, access: str, http: httpx.AsyncClient) -> tuple[runner.Worker, Observer, str]:
    worker = runner.Worker(url, pat, DemoAdapter(delay=0.01), heartbeat_seconds=30)
    task = asyncio.create_task(worker.run())
    worker._task = task  # type: ignore[attr-defined]
    await asyncio.wait_for(worker.ready.wait(), 30)
    headers = {"authorization": f"Bearer {access}"}
    for _ in range(100):
        if (await http.get(f"{BASE}/{worker.worker_id}", headers=headers)).json()["data"]["status"] == "running":
            break
        await asyncio.sleep(0.05)
    topic = f"worker:{worker.worker_id}:events"
    minted = (await http.post("/api/sync/token", json={"scopes": ["runtime.codex_worker_events"]}, headers=headers)).json()["data"]
    head = (await http.get(f"{BASE}/{worker.worker_id}/stream", headers=headers)).json()["data"]["khala"]["head_seq"]
    client = await KhalaClient.connect(url.replace("http", "ws", 1))
    await client.hello(minted["token"])
    await client.subscribe([topic], resume_after={topic: head})
    observer = Observer(client, topic)
    done = observer.wait("codex.response:t0")
    await http.post(f"{BASE}/{worker.worker_id}/requests", headers=headers, json={"request_id": "t0", "method": "thread/start"})
    await asyncio.wait_for(done, 30)
    thread = next(p for _, p in observer.events if p.get("type") == "codex.response")["result"]["thread_id"]
    return worker, observer, thread


async def first_delta(url: str, access: str, pat: str, turns: int) -> dict:
    headers = {"authorization": f"Bearer {access}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        worker, observer, thread = await setup_worker(url, pat, access, http)
        first, complete, request_seen, first_from_sent = [], [], [], []
        for i in range(turns):
            rid = f"seq{i}"
            got_first, got_done = observer.wait(f"first_delta:{rid}"), observer.wait(f"codex.response:{rid}")
            got_request = observer.wait(f"codex.request:{rid}")
            sent = time.monotonic()
            response = await http.post(f"{BASE}/{worker.worker_id}/requests", headers=headers, json={
                "request_id": rid, "method": "turn/start", "params": {"thread_id": thread, "text": f"turn {i}"}})
            accepted = time.monotonic()
            assert response.status_code == 202, response.text
            first_at = await asyncio.wait_for(got_first, 30)
            first.append(first_at - accepted)
            first_from_sent.append(first_at - sent)
            request_seen.append((await asyncio.wait_for(got_request, 30)) - sent)
            complete.append((await asyncio.wait_for(got_done, 60)) - accepted)
        worker.stopped.set()
        await worker._task  # type: ignore[attr-defined]
        await observer.client.close()
    return {"first": first, "complete": complete, "request_seen": request_seen, "first_from_sent": first_from_sent}


async def load(url: str, people: list[tuple[str, str]], workers: int, concurrent: int) -> dict:
    """``people``: (access, PAT) pairs; Khala allows 16 sockets per user, so each person runs at most
    5 workers (a worker socket and an observer socket each)."""
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=200)) as http:
        set_up, owners = [], []
        for w in range(workers):
            access, pat = people[w // PER_PERSON]
            set_up.append(await setup_worker(url, pat, access, http))
            owners.append({"authorization": f"Bearer {access}"})
        expected: dict[str, list[str]] = {}
        waits = []

        async def turn(i: int) -> None:
            worker, observer, thread = set_up[i % workers]
            rid = f"load{i}"
            text = f"concurrent turn number {i}"
            done = observer.wait(f"codex.response:{rid}")
            waits.append(done)
            response = await http.post(f"{BASE}/{worker.worker_id}/requests", headers=owners[i % workers], json={
                "request_id": rid, "method": "turn/start", "params": {"thread_id": thread, "text": text}})
            assert response.status_code == 202, response.text
            await asyncio.wait_for(done, 300)

        start = time.monotonic()
        await asyncio.gather(*(turn(i) for i in range(concurrent)))
        elapsed = time.monotonic() - start
        lost = duplicated = 0
        latencies = []
        for worker, observer, _ in set_up:
            per_request: dict[str, list[tuple[float, str]]] = {}
            for at, payload in observer.events:
                if payload.get("method") == "item/agentMessage/delta" and str(payload.get("request_id", "")).startswith("load"):
                    per_request.setdefault(payload["request_id"], []).append((at, payload["params"]["delta"]))
            for rid, got in per_request.items():
                sent = list(range(COUNTS.get(rid, 0)))
                duplicated += max(0, len(got) - len(sent))
                lost += max(0, len(sent) - len(got))
                for index, (at, _) in enumerate(got[:len(sent)]):
                    latencies.append(at - SENT[(rid, index)])
            expected_requests = {f"load{i}" for i in range(concurrent) if set_up[i % workers][0] is worker}
            lost += sum(1 for rid in expected_requests if rid not in per_request)
            worker.stopped.set()
        for worker, observer, _ in set_up:
            await worker._task  # type: ignore[attr-defined]
            await observer.client.close()
        del expected
    return {"lost": lost, "duplicated": duplicated, "latencies": latencies, "elapsed": elapsed,
            "deltas": len(latencies)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=50)
    ap.add_argument("--workers", type=int, default=20)
    ap.add_argument("--concurrent", type=int, default=100)
    args = ap.parse_args()
    with bench_database() as dsn, granian("openagents_server.app:create_app_from_env", factory=True,
                                          env={"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_ENV": "test",
                                               "OPENAGENTS_LOG_LEVEL": "error"}) as url:
        access, pat = asyncio.run(sign_in(url, dsn, "bench@example.com"))
        seq = asyncio.run(first_delta(url, access, pat, args.turns))
        people = [asyncio.run(sign_in(url, dsn, f"load{p}@example.com"))
                  for p in range(-(-args.workers // PER_PERSON))]
        loaded = asyncio.run(load(url, people, args.workers, args.concurrent))
    def ms(values: list[float], p: float) -> float:
        return pct(values, p) * 1000

    print("=== Runtime turns through demo workers (granian 1 worker, fsync on, machine shared with others) ===")
    print(f"turn/start accepted -> first delta at a raw Khala client, {args.turns} sequential turns: "
          f"p50 {ms(seq['first'], 50):.1f} ms  p95 {ms(seq['first'], 95):.1f} ms")
    base, ours = pct(seq["request_seen"], 50), pct(seq["first_from_sent"], 50)
    print(f"baseline: turn/start sent -> its codex.request at the Khala client: p50 {base * 1000:.1f} ms  "
          f"p95 {ms(seq['request_seen'], 95):.1f} ms")
    print(f"ours:     turn/start sent -> first delta at the Khala client:        p50 {ours * 1000:.1f} ms  "
          f"p95 {ms(seq['first_from_sent'], 95):.1f} ms   ratio (p50) {ours / base:.2f}")
    print(f"turn/start accepted -> codex.response (turn done) at the Khala client: "
          f"p50 {ms(seq['complete'], 50):.1f} ms  p95 {ms(seq['complete'], 95):.1f} ms")
    print(f"{args.concurrent} concurrent turns across {args.workers} workers: {loaded['deltas']} deltas in "
          f"{loaded['elapsed']:.1f} s, lost {loaded['lost']}, duplicated {loaded['duplicated']}; delta latency "
          f"(worker produced -> Khala client) p50 {ms(loaded['latencies'], 50):.1f} ms  p95 "
          f"{ms(loaded['latencies'], 95):.1f} ms")
    print(json.dumps({"bench": "runtime_turns", "first_delta_p50_ms": ms(seq["first"], 50),
                      "first_delta_p95_ms": ms(seq["first"], 95), "complete_p50_ms": ms(seq["complete"], 50),
                      "complete_p95_ms": ms(seq["complete"], 95), "load_lost": loaded["lost"],
                      "load_duplicated": loaded["duplicated"], "load_delta_p50_ms": ms(loaded["latencies"], 50),
                      "load_delta_p95_ms": ms(loaded["latencies"], 95), "load_deltas": loaded["deltas"],
                      "median_first_delta_ms": statistics.median(seq["first"]) * 1000,
                      "baseline_request_seen_p50_ms": base * 1000, "first_delta_from_sent_p50_ms": ours * 1000}))


if __name__ == "__main__":
    main()
