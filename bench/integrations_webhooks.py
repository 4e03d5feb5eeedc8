"""Resend webhook ingest: verified and applied webhooks/s vs GET /healthz req/s, and duplicates refused/s.

One granian process (1 worker, exactly `openagents serve`'s flags) on a fresh database of the
private bench cluster (fsync on). Each webhook is a distinct, correctly Svix-signed
``email.delivered`` for a distinct sent message, spread over many people: the server checks the
signature (standardwebhooks), claims the svix-id, advances the delivery and appends to the owner's
Khala topic in one transaction. "Applied/s" counts the rows that reached ``applied`` in PostgreSQL
(not merely 200s). The duplicate phase replays already-applied messages (each answers 200
``duplicate``, nothing applied). wrk drives every phase with the same connections; a Lua script
cycles through the pre-signed requests. Rounds alternate so drift hits all sides.
Goal (issue 23): ratio ≥ 0.3 with signature checks on.
Usage: .venv/bin/python bench/integrations_webhooks.py [--seconds 10] [--rounds 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import secrets
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from _common import fresh_database, start_cluster, stop_cluster
from _support import WrkResult, _ms, granian, wrk
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"bench-resend-webhook-signing-key").decode()
PEOPLE = 500
LUA = r"""
local lines = {}
for line in io.lines(os.getenv("OA_WEBHOOK_FILE")) do lines[#lines + 1] = line end
local i = 0
request = function()
  i = i + 1
  local line = lines[((i - 1) % #lines) + 1]
  local id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  return wrk.format("POST", "/api/webhooks/resend", {["svix-id"] = id, ["svix-timestamp"] = ts,
    ["svix-signature"] = sig, ["content-type"] = "application/json"}, body)
end
"""


async def seed(dsn: str, messages: list[str]) -> None:
    """PEOPLE users and one sent email per message, round-robin over them."""
    conn = await asyncpg.connect(dsn)
    try:
        users = [(f"usr_bench{i:04d}", "local", f"local_bench{i}", f"bench{i}@example.com") for i in range(PEOPLE)]
        await conn.copy_records_to_table("users", records=users,
                                         columns=["id", "provider", "provider_user_id", "email"])
        rows = [(m, users[i % PEOPLE][0], "someone@example.com", "bench", "sent", 1) for i, m in enumerate(messages)]
        await conn.copy_records_to_table("email_deliveries", records=rows, columns=[
            "message_id", "user_id", "to_address", "subject", "state", "state_rank"])
    finally:
        await conn.close()


def signed_file(messages: list[str], directory: Path, name: str) -> Path:
    webhook = Webhook(SECRET)
    now = datetime.now(UTC)
    path = directory / name
    with path.open("w") as out:
        for message_id in messages:
            body = json.dumps({"type": "email.delivered", "created_at": now.isoformat(), "data": {
                "email_id": message_id, "to": ["someone@example.com"], "subject": "bench"}})
            msg_id = "msg_" + secrets.token_hex(12)
            out.write(f"{msg_id}\t{int(now.timestamp())}\t{webhook.sign(msg_id, now, body.encode())}\t{body}\n")
    return path


def wrk_script(url: str, script: Path, data: Path, seconds: int, connections: int) -> WrkResult:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True,
                         env={"OA_WEBHOOK_FILE": str(data), "PATH": "/usr/bin:/bin"}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"^[ \t]+50%[ \t]+(\S+)", out, re.MULTILINE)[1])
    p99 = _ms(re.search(r"^[ \t]+99%[ \t]+(\S+)", out, re.MULTILINE)[1])
    errors = sum(int(n) for m in re.finditer(r"(Non-2xx or 3xx responses|Socket errors):\s*(.*)", out)
                 for n in re.findall(r"\d+", m[2]))
    return WrkResult(rps, p50, p99, errors)


def only_applied(dsn: str, data: Path) -> Path:
    """The lines of ``data`` whose svix-id was applied: replaying them must apply nothing."""

    async def ids() -> set[str]:
        conn = await asyncpg.connect(dsn)
        try:
            return {r[0] for r in await conn.fetch("SELECT svix_id FROM webhook_events WHERE status = 'applied'")}
        finally:
            await conn.close()

    applied = asyncio.run(ids())
    kept = [line for line in data.read_text().splitlines(keepends=True) if line.split("\t", 1)[0] in applied]
    out = data.with_name("duplicates.tsv")
    out.write_text("".join(kept))
    return out


async def applied_count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM webhook_events WHERE status = 'applied'")
    finally:
        await conn.close()


def verify_cost_us(samples: int = 20_000) -> float:
    """In-process cost of one signature check as the server does it (two secrets, the match second)."""
    from openagents_server.domains.integrations.webhooks import verify

    other = Webhook("whsec_" + base64.b64encode(b"another-bench-signing-key-000000").decode())
    verifiers = (other, Webhook(SECRET))
    body = json.dumps({"type": "email.delivered", "data": {"email_id": "x"}}).encode()
    now = datetime.now(UTC)
    headers = {"svix-id": "msg_1", "svix-timestamp": str(int(now.timestamp())),
               "svix-signature": Webhook(SECRET).sign("msg_1", now, body)}
    start = time.perf_counter()
    for _ in range(samples):
        verify(verifiers, body, headers)
    return (time.perf_counter() - start) / samples * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--messages-per-round", type=int, default=60_000,
                        help="distinct messages signed per round (more than one round can apply)")
    parser.add_argument("--pool-max", type=int, default=10, help="OPENAGENTS_DB_POOL_MAX of the server (default 10)")
    args = parser.parse_args()

    cluster = start_cluster()
    results: dict[str, list] = {"healthz": [], "applied": [], "webhook_http": [], "duplicates": []}
    try:
        dsn = fresh_database(cluster)
        rounds = [[f"em_{r}_{i:06d}" for i in range(args.messages_per_round)] for r in range(args.rounds + 1)]
        asyncio.run(seed(dsn, [m for batch in rounds for m in batch]))
        env = {"OPENAGENTS_DATABASE_URL": dsn, "OPENAGENTS_LOG_LEVEL": "error", "OPENAGENTS_ENV": "test",
               "OPENAGENTS_RESEND_WEBHOOK_SECRETS": SECRET, "OPENAGENTS_DB_POOL_MAX": str(args.pool_max)}
        with tempfile.TemporaryDirectory() as tmp, \
                granian("openagents_server.app:create_app_from_env", factory=True, env=env) as url:
            directory = Path(tmp)
            script = directory / "webhooks.lua"
            script.write_text(LUA)
            # Warm-up (the last batch), which also gives the duplicate phase already-applied messages.
            warm = signed_file(rounds[-1], directory, "warm.tsv")
            wrk(url + "/healthz", seconds=2, connections=args.connections)
            wrk_script(url, script, warm, 2, args.connections)
            time.sleep(1)
            warm = only_applied(dsn, warm)
            for r in range(args.rounds):
                results["healthz"].append(wrk(url + "/healthz", seconds=args.seconds, connections=args.connections))
                data = signed_file(rounds[r], directory, f"round{r}.tsv")
                before = asyncio.run(applied_count(dsn))
                http = wrk_script(url, script, data, args.seconds, args.connections)
                time.sleep(1)  # let the requests in flight when wrk stopped finish (at most one per connection)
                applied = asyncio.run(applied_count(dsn)) - before
                results["webhook_http"].append(http)
                results["applied"].append(applied / args.seconds)
                if applied >= args.messages_per_round:
                    print(f"warning: round {r} used every signed message; raise --messages-per-round")
                # Replays: messages the warm-up applied (fresh timestamps would change nothing: same svix-id).
                results["duplicates"].append(wrk_script(url, script, warm, args.seconds, args.connections))
                time.sleep(1)
                after = asyncio.run(applied_count(dsn))
                assert after == before + applied, "a duplicate was applied"
    finally:
        stop_cluster(cluster)

    healthz = statistics.median(r.requests_per_second for r in results["healthz"])
    applied = statistics.median(results["applied"])
    http = statistics.median(r.requests_per_second for r in results["webhook_http"])
    duplicates = statistics.median(r.requests_per_second for r in results["duplicates"])
    errors = sum(r.errors for key in ("healthz", "webhook_http", "duplicates") for r in results[key])
    p99 = statistics.median(r.p99_ms for r in results["webhook_http"])
    print(f"GET /healthz (baseline)            {healthz:10.0f} req/s")
    print(f"webhooks verified + applied        {applied:10.0f} /s   (HTTP {http:.0f} req/s, p99 {p99:.1f} ms)")
    print(f"duplicates refused (200 duplicate) {duplicates:10.0f} /s")
    print(f"ratio applied / healthz            {applied / healthz:10.2f}   (goal >= 0.3)")
    print(f"ratio duplicates / healthz         {duplicates / healthz:10.2f}")
    print(f"signature check (in-process)       {verify_cost_us():10.1f} us per webhook")
    print(f"non-2xx or socket errors           {errors:10d}")


if __name__ == "__main__":
    main()
