"""Tools API overhead: ``POST /api/runtime/tools/execute`` of the no-op tool beside ``GET /healthz``.

One granian worker of our app, same run, rounds alternating. Each tools request is a new invocation
(a fresh id from the wrk script), so it pays the whole path: authentication, schema validation, the
policy (the caller's profile), claiming the invocation id, running the tool, the receipt, storing it.
The per-credential API throttle is raised for the run (it would otherwise be what is measured).
Goal (issue 22): tools/execute ≥ 0.4× /healthz req/s.
Usage: .venv/bin/python bench/tools_execute.py [--seconds 10] [--rounds 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile

import httpx
from _support import bench_database, granian, server_cpu_seconds, sign_in, wrk

SCRIPT = """
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local prefix = "b" .. tostring(math.random(1, 1000000000))
local counter = 0
local token = os.getenv("BENCH_TOKEN")
request = function()
  counter = counter + 1
  local body = '{"invocation_id":"' .. prefix .. '-' .. counter .. '","tool":"noop","arguments":{}}'
  return wrk.format("POST", "/api/runtime/tools/execute",
                    {["content-type"] = "application/json", ["authorization"] = "Bearer " .. token}, body)
end
"""


def wrk_post(url: str, token: str, seconds: int, connections: int) -> tuple[float, float, int, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SCRIPT)
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
                             capture_output=True, text=True, check=True, env={**os.environ, "BENCH_TOKEN": token}).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = re.search(r"^[ \t]+50%[ \t]+(\S+)", out, re.MULTILINE)[1]
    errors = sum(int(n) for m in re.finditer(r"(Non-2xx or 3xx responses|Socket errors):\s*(.*)", out)
                 for n in re.findall(r"\d+", m[2]))
    requests = int(re.search(r"(\d+) requests in", out)[1])
    return rps, float(re.sub(r"[a-z]+", "", p50)) * (0.001 if p50.endswith("us") else 1.0), errors, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with bench_database() as dsn:
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
               "OPENAGENTS_API_RATE_PER_SECOND": "1000000", "OPENAGENTS_API_BURST": "100000000"}
        with granian("openagents_server.app:create_app_from_env", factory=True, env=env) as url:
            token = sign_in(url, dsn)
            probe = httpx.post(url + "/api/runtime/tools/execute", headers={"authorization": f"Bearer {token}"},
                               json={"invocation_id": "probe", "tool": "noop"}).json()["data"]
            assert probe["status"] == "succeeded" and probe["receipt_hash"].startswith("sha256:"), probe
            wrk(url + "/healthz", seconds=2, connections=args.connections)
            wrk_post(url, token, 2, args.connections)
            healthz, tools, reads = [], [], []
            cpu: dict[str, list[float]] = {"healthz": [], "tools": [], "reads": []}
            auth = {"authorization": f"Bearer {token}"}

            def measured(name: str, run: object) -> object:
                before = server_cpu_seconds(url)
                result = run()  # type: ignore[operator]
                count = result[3] if isinstance(result, tuple) else result.requests
                cpu[name].append((server_cpu_seconds(url) - before) / max(1, count) * 1e6)
                return result

            for _ in range(args.rounds):
                healthz.append(measured("healthz", lambda: wrk(url + "/healthz", seconds=args.seconds,
                                                               connections=args.connections)))
                tools.append(measured("tools", lambda: wrk_post(url, token, args.seconds, args.connections)))
                reads.append(measured("reads", lambda: wrk(url + "/api/settings/autopilot", seconds=args.seconds,
                                                           connections=args.connections, headers=auth)))
    h_rps = statistics.median(r.requests_per_second for r in healthz)
    t_rps = statistics.median(r[0] for r in tools)
    print(f"granian 1 worker, wrk {args.connections} connections, {args.rounds}×{args.seconds}s per URL (medians)")
    print(f"   /healthz: {h_rps:10.0f} req/s   p50 {statistics.median(r.p50_ms for r in healthz):6.2f} ms   "
          f"server CPU {statistics.median(cpu['healthz']):6.0f} µs/request")
    print(f"tools noop: {t_rps:10.0f} req/s   p50 {statistics.median(r[1] for r in tools):6.2f} ms   "
          f"server CPU {statistics.median(cpu['tools']):6.0f} µs/request   errors {sum(r[2] for r in tools)}")
    r_rps = statistics.median(r.requests_per_second for r in reads)
    print(f"reference, GET /api/settings/autopilot (auth + one read): {r_rps:10.0f} req/s   "
          f"p50 {statistics.median(r.p50_ms for r in reads):6.2f} ms   "
          f"server CPU {statistics.median(cpu['reads']):6.0f} µs/request")
    print(f"ratio tools/execute ÷ /healthz req/s: {t_rps / h_rps:.2f} (goal ≥ 0.40); "
          f"by server CPU per request: {statistics.median(cpu['healthz']) / statistics.median(cpu['tools']):.2f}")


if __name__ == "__main__":
    main()
