#!/usr/bin/env python3
"""Fan-out benchmark: 1000 sockets on one topic, 50 publishes/s for 30 s, then a rate sweep.

Runs, in one invocation and on the same machine state:
  1. the floor: raw PostgreSQL LISTEN/NOTIFY round trip (p50/p99);
  2. baselines from the shared harness (/work/shared/tools/fanout): bare Litestar broadcast
     (1 worker), bare Litestar + PostgreSQL NOTIFY (2 workers), NATS over WebSocket;
  3. Khala (2 granian workers, PostgreSQL fan-out): the same fixed-rate run and a sweep.
Each load generator runs as its own process (this file re-executed with ``--loadgen-child``).
Publishing goes through the log (``khala_append`` in its own transaction, direct asyncpg: the path a
domain write takes); latency = time before the append → time the subscriber parsed the update.
By default the publishers' sessions use synchronous_commit=off: the disk of this machine is shared
and its fsync latency (p99 in the hundreds of ms under other engineers' load) would otherwise be
most of what is measured; ``--durable`` measures with the flush. The printed APPEND line shows how
much of the latency the commit itself took.

  .venv/bin/python bench/khala_fanout.py [--duration 30] [--skip-baselines] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
FANOUT = Path(os.environ.get("FANOUT_TOOLS", "/work/shared/tools/fanout"))
SCRATCH = Path(os.environ.get("FANOUT_SCRATCH", "/tmp/fanout-scratch"))
TOPIC = "run:bench:events"


# ------------------------------------------------------------------ the Khala adapter (child side)

def _install_khala_adapter() -> None:
    sys.path.insert(0, str(FANOUT))
    import loadgen  # type: ignore[import-not-found]
    from openagents_proto.sync import domain as d
    from openagents_proto.sync.v1 import khala_pb2
    from openagents_server.khala import codec
    from openagents_server.khala.tokens import SigningKeys, mint_sync_token

    keys = SigningKeys.parse(os.environ.get("OPENAGENTS_SYNC_TOKEN_SECRET",
                                            "dev-only-sync-secret-change-me-0123456789"))
    dsn = os.environ["KHALA_BENCH_DSN"]
    batch_kind = khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH
    heartbeat_kind = khala_pb2.KHALA_FRAME_KIND_HEARTBEAT
    client_heartbeat = codec.encode_client(d.Heartbeat())

    class _KhalaProto(loadgen._RawProto):
        async def handshake(self, host, port, path):  # the raw client plus our subprotocol header
            import base64

            key = base64.b64encode(os.urandom(16)).decode()
            self.tr.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Sec-WebSocket-Protocol: khala.ws.v1\r\n\r\n").encode())
            await self.hs_fut

    class PipePublisher:
        """The publisher 'connection': hands each payload to a separate publisher process (see
        ``_publisher_child``), which appends it to the log in its own transaction. A separate process,
        so the generator's busy event loop never delays a COMMIT (the topic row stays locked until then).
        The payload's timestamp is taken before it is handed over: commit time counts in the latency."""

        def __init__(self) -> None:
            self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--publisher-child"],
                                         stdin=subprocess.PIPE, env=os.environ.copy())
            self.pipe: asyncio.WriteTransport | None = None

        async def send(self, payload: str) -> None:
            if self.pipe is None:  # a non-blocking pipe: a stalled publisher must not stall the generator
                self.pipe, _ = await asyncio.get_running_loop().connect_write_pipe(
                    asyncio.Protocol, self.proc.stdin)  # type: ignore[arg-type]
            self.pipe.write(payload.encode() + b"\n")

        async def close(self) -> None:
            if self.pipe is not None:
                while self.pipe.get_write_buffer_size():
                    await asyncio.sleep(0.01)
                self.pipe.close()
            else:
                self.proc.stdin.close()  # type: ignore[union-attr]
            await asyncio.to_thread(self.proc.wait, 60)

    class KhalaClient(loadgen.RawClient):
        name = "raw-khala"

        async def connect(self, url):
            if url.endswith("/__publisher__"):
                return PipePublisher()
            from urllib.parse import urlparse

            u = urlparse(url)
            loop = asyncio.get_running_loop()
            _, proto = await loop.create_connection(_KhalaProto, u.hostname, u.port or 80)
            await proto.handshake(u.hostname, u.port or 80, u.path)
            return proto

    class KhalaAdapter(loadgen.Adapter):
        name = "khala"
        default_url = "ws://127.0.0.1:8790/sync/socket"

        def __init__(self, args):
            super().__init__(args)
            self.count = 0
            self.head: int | None = None

        def pub_url(self) -> str:
            return self.url.rsplit("/", 1)[0] + "/__publisher__"

        async def subscribe(self, conn, topic):
            if self.head is None:  # resume at the head: earlier runs' events are not replayed
                import asyncpg

                db = await asyncpg.connect(dsn)
                self.head = await db.fetchval("SELECT head_seq FROM khala_topics WHERE topic = $1", TOPIC) or 0
                await db.close()
            self.count += 1
            token, _ = mint_sync_token(keys, user_id=f"bench{self.count}", org_id="bench", session_id=f"s{self.count}",
                                       device_id="bench", scopes=["runtime.run_events"], topics=[TOPIC])
            await conn.send(codec.encode_client(d.Hello(sync_token=token, client_build_id="bench",
                                                        protocol_version="khala.ws.v1", schema_version=1)))
            assert isinstance(codec.decode_server(await conn.recv()).message, d.HelloOk)
            await conn.send(codec.encode_client(d.Subscribe(
                topics=(TOPIC,), request_id="bench",
                resume_after=(d.TopicCursor(topic=TOPIC, watermark=self.head),))))
            while True:  # replay of earlier phases may come first; wait for the ack
                frame = codec.decode_server(await conn.recv())
                if isinstance(frame.message, d.Subscribed):
                    return

        def parser(self):
            def parse(data):
                frame = khala_pb2.KhalaFrame()
                frame.ParseFromString(data)
                if frame.kind == batch_kind:
                    batch = khala_pb2.UpdateBatch()
                    batch.ParseFromString(frame.payload_bytes)
                    # Canonical JSON sorts keys ({"d":…,"p":…,"s":…,"t":…}); hand the harness the
                    # '{"p":…,"s":…,"t":…,"d":""}' layout its fast parser expects, without a JSON parse.
                    out = []
                    for u in batch.updates:
                        body = u.payload
                        out.append(b"{" + body[body.index(b',"p":') + 1:-1] + b',"d":""}')
                    return out, ()
                if frame.kind == heartbeat_kind:
                    return (), (client_heartbeat,)  # answer the server heartbeat: we are alive
                return (), ()
            return parse

        def publish_frame(self, topic, payload):
            return payload

        def spawn(self):
            from urllib.parse import urlparse

            u = urlparse(self.url)
            from openagents_server.serve import granian_command

            cmd = granian_command(u.hostname, u.port, self.args.workers or 2)  # what `openagents serve` runs
            env = dict(os.environ, OPENAGENTS_DATABASE_URL=dsn, OPENAGENTS_LOG_LEVEL="warning",
                       OPENAGENTS_KHALA_MAX_CONNECTIONS_PER_USER="16", OPENAGENTS_DB_POOL_MAX="10")
            if os.environ.get("KHALA_BENCH_METRICS") == "off":
                env["OPENAGENTS_METRICS_ENABLED"] = "false"
            else:  # what `openagents serve` does: every worker's metrics in one multiprocess directory
                from openagents_server.metrics.multiproc import MULTIPROC_ENV, fresh_metrics_dir

                env[MULTIPROC_ENV] = fresh_metrics_dir(SCRATCH / f"metrics-{u.port}")
            log_file = open(SCRATCH / "khala.log", "ab")  # noqa: SIM115 - handed to the child process
            print("spawn:", " ".join(cmd), flush=True)
            p = subprocess.Popen(cmd, cwd=HERE.parent, env=env, stdout=log_file, stderr=subprocess.STDOUT)
            loadgen._wait_port(u.hostname, u.port)
            time.sleep(2.0)
            return [p]

    loadgen.ADAPTERS["khala"] = KhalaAdapter
    loadgen.CLIENTS["raw-khala"] = KhalaClient
    sys.argv = [sys.argv[0]] + [a for a in sys.argv[1:] if a != "--loadgen-child"]
    loadgen.main()


def _publisher_child() -> None:
    """Read payload lines from stdin; append each (as a JSON object) in its own transaction."""
    import asyncpg
    import uvloop
    from openagents_server.khala import log

    async def run() -> None:
        sync = os.environ.get("KHALA_BENCH_SYNCHRONOUS_COMMIT", "off")
        pool = await asyncpg.create_pool(os.environ["KHALA_BENCH_DSN"], min_size=4, max_size=4,
                                         server_settings={"synchronous_commit": sync})
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        commit_ms: list[float] = []
        tasks: set[asyncio.Task[None]] = set()
        n = 0

        refused: dict[str, int] = {}

        async def append(n: int, payload: bytes) -> None:
            start = time.perf_counter()
            try:
                async with log.unit_of_work(pool) as conn:
                    await log.append(conn, TOPIC, doc_key=f"m{n % 64}", payload=json.loads(payload))
            except log.AppendError as exc:  # e.g. the topic's publish limit: refused, so never delivered
                refused[exc.reason] = refused.get(exc.reason, 0) + 1
                return
            commit_ms.append((time.perf_counter() - start) * 1000)

        while line := await reader.readline():
            n += 1
            task = asyncio.create_task(append(n, line))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks, return_exceptions=True)
        await log.flush_notifications(pool)
        await pool.close()
        c = sorted(commit_ms)
        if c:
            print(f"APPEND (publish → commit, synchronous_commit={sync}) over the whole run: p50 {c[len(c) // 2]:.1f} ms,"
                  f" p99 {c[len(c) * 99 // 100]:.1f} ms, max {c[-1]:.1f} ms", flush=True)
        if refused:
            print(f"APPEND refused (these publishes never existed, so the generator counts their deliveries as lost): "
                  f"{refused}", flush=True)

    uvloop.run(run())


# ------------------------------------------------------------------------- orchestration (parent)

async def _notify_floor(dsn: str, samples: int = 500) -> dict[str, float]:
    import asyncpg

    listener, notifier = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    got: asyncio.Queue[int] = asyncio.Queue()
    await listener.add_listener("bench_floor", lambda *a: got.put_nowait(time.perf_counter_ns() - int(a[3])))
    lat = []
    for _ in range(samples):
        await notifier.execute(f"NOTIFY bench_floor, '{time.perf_counter_ns()}'")
        lat.append(await asyncio.wait_for(got.get(), 5))
        await asyncio.sleep(0.002)
    await listener.close()
    await notifier.close()
    lat.sort()
    return {"p50_ms": round(lat[len(lat) // 2] / 1e6, 3), "p99_ms": round(lat[len(lat) * 99 // 100] / 1e6, 3)}


def _loadgen(adapter: str, extra: list[str], env: dict[str, str], tag: str) -> list[dict]:
    out = SCRATCH / f"khala-bench-{tag}.jsonl"
    out.unlink(missing_ok=True)
    if adapter == "khala":
        cmd = [sys.executable, str(Path(__file__).resolve()), "--loadgen-child", "--adapter", "khala",
               "--client", "raw-khala"]
    else:
        cmd = [sys.executable, str(FANOUT / "loadgen.py"), "--adapter", adapter]
    cmd += ["--spawn", "--json-out", str(out), *extra]
    print(f"\n$ {' '.join(cmd)}", flush=True)
    subprocess.run(cmd, env={**os.environ, **env}, cwd=FANOUT, check=False, timeout=900)
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines()]


def main() -> None:
    if "--loadgen-child" in sys.argv:
        _install_khala_adapter()
        return
    if "--publisher-child" in sys.argv:
        _publisher_child()
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rates", default="25,50,75,100,150,200,220",
                    help="sweep steps; a run_events topic accepts at most 240 appends in any second (its publish "
                         "limit), so a paced 240/s with jitter is refused in part")
    ap.add_argument("--step-duration", type=float, default=10.0)
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--metrics-compare", action="store_true",
                    help="only the fixed-rate Khala run, with /metrics off and on (alternating), and the p99 ratio")
    ap.add_argument("--baselines", default="bare-litestar,bare-litestar-pg,nats")
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--durable", action="store_true",
                    help="publishers wait for the WAL flush (synchronous_commit=on); default off, so the shared "
                         "disk's fsync latency does not swamp the delivery path being measured")
    args = ap.parse_args()
    SCRATCH.mkdir(parents=True, exist_ok=True)

    from bench._common import start_cluster, stop_cluster

    cluster = start_cluster()
    try:
        _run(args, cluster)
    finally:
        stop_cluster(cluster)


def _metrics_compare(args: argparse.Namespace, khala_env: dict[str, str], fixed: list[str], pg_pid: int) -> None:
    """Issue 25: Khala fan-out p99 with metrics on vs off, same run, alternating (off, on, off, on)."""
    import statistics

    p99: dict[str, list[float]] = {"off": [], "on": []}
    for side in ("off", "on", "off", "on"):
        runs = _loadgen("khala", fixed + ["--workers", str(args.workers), "--server-pid", str(pg_pid)],
                        {**khala_env, "KHALA_BENCH_METRICS": side}, f"khala-metrics-{side}")
        if runs and runs[-1]["phases"]:
            phase = runs[-1]["phases"][-1]
            p99[side].append(phase["lat_ms"]["p99"])
            print(f"metrics {side:>3}: received {phase['received']}/{phase['expected']}  p50 {phase['lat_ms']['p50']} ms"
                  f"  p99 {phase['lat_ms']['p99']} ms", flush=True)
    if p99["off"] and p99["on"]:
        off, on = statistics.median(p99["off"]), statistics.median(p99["on"])
        print(f"\n=== Khala fan-out {args.n} sockets, {args.rate:g} publishes/s, {args.duration:g} s, metrics on vs off "
              f"(medians of 2; loaded machine) ===\np99 off {off} ms, on {on} ms, ratio on/off {on / off:.2f}")


def _run(args: argparse.Namespace, cluster: object) -> None:
    from bench._common import fresh_database, postmaster_pid

    dsn = fresh_database(cluster)  # type: ignore[arg-type]
    pg_pid = postmaster_pid(cluster)  # type: ignore[arg-type]

    async def setup() -> None:
        import asyncpg
        from openagents_server.khala import log

        conn = await asyncpg.connect(dsn)
        await log.register_topic(conn, TOPIC, owner_user_id="bench-owner", owner_org_id="bench")
        await conn.close()

    asyncio.run(setup())
    floor = asyncio.run(_notify_floor(dsn))
    print(f"FLOOR raw PostgreSQL LISTEN/NOTIFY round trip: p50 {floor['p50_ms']} ms, p99 {floor['p99_ms']} ms")

    fixed = ["-n", str(args.n), "--rate", str(args.rate), "--duration", str(args.duration)]
    results: dict[str, dict] = {}
    env_pg = {"FANOUT_PG_DSN": dsn}
    if not args.skip_baselines:
        for adapter in [a for a in args.baselines.split(",") if a]:
            extra = fixed + (["--server-pid", str(pg_pid)] if adapter == "bare-litestar-pg" else [])
            runs = _loadgen(adapter, extra, env_pg, adapter)
            if runs and runs[-1]["phases"]:
                results[adapter] = runs[-1]["phases"][-1]
    khala_env = {"KHALA_BENCH_DSN": dsn, "KHALA_BENCH_SYNCHRONOUS_COMMIT": "on" if args.durable else "off"}
    if args.metrics_compare:
        _metrics_compare(args, khala_env, fixed, pg_pid)
        return
    runs = _loadgen("khala", fixed + ["--workers", str(args.workers), "--server-pid", str(pg_pid)], khala_env, "khala")
    if runs and runs[-1]["phases"]:
        results["khala"] = runs[-1]["phases"][-1]
    saturation = None
    if not args.no_sweep:
        sweep = _loadgen("khala", ["-n", str(args.n), "--sweep", "--rates", args.rates, "--step-duration",
                                   str(args.step_duration), "--workers", str(args.workers),
                                   "--server-pid", str(pg_pid)], khala_env, "khala-sweep")
        if sweep:
            saturation = sweep[-1].get("saturation_rate"), sweep[-1].get("sweep_exhausted")
            for phase in sweep[-1]["phases"]:
                print(f"  sweep {phase['rate_target']:>5}/s: p99 {phase['lat_ms']['p99']} ms, lost {phase['lost']}, "
                      f"server CPU {phase['server_cpu_util']}")

    print(f"\n=== Fan-out: {args.n} sockets, {args.rate:g} publishes/s, {args.duration:g} s "
          f"(machine shared with other engineers) ===")
    print(f"floor (raw LISTEN/NOTIFY round trip): p50 {floor['p50_ms']} ms  p99 {floor['p99_ms']} ms")
    print(f"khala publishers: append in own transaction, synchronous_commit={'on' if args.durable else 'off'}")
    print(f"{'system':<20}{'received/expected':>22}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'srv CPU':>9}{'gen CPU':>9}{'other s':>9}")
    for name, r in results.items():
        print(f"{name:<20}{str(r['received']) + '/' + str(r['expected']):>22}{r['delivered_per_s']:>9.0f}"
              f"{r['lat_ms']['p50']:>9}{r['lat_ms']['p99']:>9}{r['lat_ms']['max']:>9}"
              f"{(r['server_cpu_util'] or 0):>9.0%}{r['gen_cpu_util']:>9.0%}{r['other_cpu_s']:>9}")
    if "khala" in results:
        k = results["khala"]["lat_ms"]["p99"]
        for name in [n for n in results if n != "khala"]:
            b = results[name]["lat_ms"]["p99"]
            print(f"ratio p99 khala / {name}: {k / b:.2f}" if b else f"ratio vs {name}: n/a")
        print(f"goal p99 <= 100 ms: {'met' if k <= 100 else 'NOT met'} ({k} ms)")
    if saturation:
        rate, exhausted = saturation
        print(f"khala saturation (p99 > 250 ms or loss): highest passing rate {rate} pub/s"
              + (" (all steps passed; real limit higher)" if exhausted else ""))


if __name__ == "__main__":
    main()
