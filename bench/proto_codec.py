"""Benchmark: encode + decode of a 200-update Khala UPDATE_BATCH frame, upb vs pure-Python protobuf.

The browser shell (Pyodide) runs protobuf's pure-Python backend; servers run upb (C). Both are
measured in the same run, each in a fresh subprocess (the backend is fixed at import time by
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION). Two paths per backend:

* wire:     KhalaFrame(UpdateBatch) SerializeToString + ParseFromString of frame and payload
* contract: openagents_proto.sync.convert.encode_frame(validate=False) + decode_frame (full
            validation, sha256 check of all 200 payloads, msgspec domain structs); on the
            pure-Python backend decode_frame reads batches with sync/fastwire.py (ADR 0403)
* contract-generic: the same with protobuf's own pure-Python parser (fastwire off); the upb
            column repeats "contract", which already uses protobuf's parser
* decode-only: decode_frame alone (what the browser does with every batch it receives)

    python bench/proto_codec.py [--updates 200] [--seconds 2] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TOPIC = "run:019c7f31:events"


def _body(i: int) -> dict[str, Any]:
    """A realistic run-event document (~300 bytes of canonical JSON)."""
    return {
        "run_id": "019c7f31",
        "seq": i,
        "type": "run.step",
        "status": "running",
        "step": {"index": i, "tool": "shell", "summary": f"step {i}: ran tests, {i % 7} failures"},
        "tokens": {"input": 1200 + i, "output": 300 + i % 50, "cached": 0},
        "tags": ["codex", "autopilot", "desktop"],
    }


def _measure(fn: Any, seconds: float) -> dict[str, float]:
    """Microseconds per call over rounds of ~20 ms: best round (least disturbed by other load on
    the machine, as timeit recommends) and median round."""
    start = time.perf_counter()
    fn()  # warm up, and size the rounds
    per_round = max(1, int(0.02 / max(time.perf_counter() - start, 1e-6)))
    rounds: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rounds) < 7:
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        rounds.append((time.perf_counter() - start) / per_round * 1e6)
    rounds.sort()
    return {"best": rounds[0], "median": rounds[len(rounds) // 2], "rounds": len(rounds)}


def worker(updates: int, seconds: float) -> dict[str, Any]:
    from google.protobuf.internal import api_implementation
    from openagents_proto.sync import convert, domain
    from openagents_proto.sync.v1 import khala_pb2

    batch = domain.UpdateBatch(
        updates=tuple(domain.Update.build(topic=TOPIC, doc_key=f"run:019c7f31:step:{i}", doc_version=i,
                                          body=_body(i), watermark=i) for i in range(1, updates + 1)),
        replay_complete=True,
        head_watermarks=(domain.TopicCursor(topic=TOPIC, watermark=updates),),
    )
    frame = domain.Frame.batch(TOPIC, batch)
    wire_frame = convert.frame_to_wire(frame)
    data = wire_frame.SerializeToString()

    def wire_round_trip() -> None:
        pb_batch = khala_pb2.UpdateBatch(
            updates=[khala_pb2.Update(topic=u.topic, doc_key=u.doc_key, doc_version=u.doc_version, payload=u.payload,
                                      watermark=u.watermark, payload_hash=u.payload_hash) for u in batch.updates],
            replay_complete=True)
        encoded = khala_pb2.KhalaFrame(topic=TOPIC, seq=frame.seq, kind=khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH,
                                       payload_bytes=pb_batch.SerializeToString(), schema_version=1).SerializeToString()
        parsed = khala_pb2.KhalaFrame.FromString(encoded)
        khala_pb2.UpdateBatch.FromString(parsed.payload_bytes)

    def contract_round_trip() -> None:
        convert.decode_frame(convert.encode_frame(frame, validate=False), max_bytes=None)

    assert convert.decode_frame(data, max_bytes=None) == frame
    result = {"backend": api_implementation.Type(), "frame_bytes": len(data), "updates": updates,
              "wire": _measure(wire_round_trip, seconds), "contract": _measure(contract_round_trip, seconds)}
    result["decode-only"] = _measure(lambda: convert.decode_frame(data, max_bytes=None), seconds)
    if convert.FAST_BATCH_DECODE:  # on upb this is the same code path as "contract": not re-measured
        convert.FAST_BATCH_DECODE = False
        result["contract-generic"] = _measure(contract_round_trip, seconds)
    else:
        result["contract-generic"] = result["contract"]
    return result


def run_backend(backend: str, updates: int, seconds: float) -> dict[str, Any]:
    env = {**os.environ, "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": backend}
    out = subprocess.run([sys.executable, __file__, "--worker", "--updates", str(updates), "--seconds", str(seconds)],
                         env=env, cwd=REPO, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["backend"] != backend:
        raise SystemExit(f"asked for {backend}, subprocess ran {result['backend']}")
    return result


def _merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    merged = dict(results[0])
    for path in ("wire", "contract", "contract-generic", "decode-only"):
        merged[path] = min((r[path] for r in results), key=lambda m: m["best"])
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=2, help="alternating runs per backend")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.updates, args.seconds)))
        return
    # alternate the backends so a burst of load from elsewhere on the machine hits both alike;
    # keep each path's best round over the repeats
    runs: dict[str, list[dict[str, Any]]] = {"upb": [], "python": []}
    for _ in range(args.repeats):
        for backend, bucket in runs.items():
            bucket.append(run_backend(backend, args.updates, args.seconds))
    upb, pure = (_merge(runs[b]) for b in ("upb", "python"))
    print(f"UPDATE_BATCH frame: {upb['updates']} updates, {upb['frame_bytes']} bytes "
          f"(python {sys.version.split()[0]}, {args.seconds:g} s per measurement, {args.repeats} alternating runs "
          f"per backend; best / median round)")
    print(f"{'path':<16} {'upb (baseline) us/frame':>26} {'pure-python us/frame':>26} {'pure/upb':>9}")
    for path in ("wire", "contract", "contract-generic", "decode-only"):
        a, b = upb[path], pure[path]
        print(f"{path:<16} {a['best']:>12.1f} / {a['median']:>9.1f} {b['best']:>12.1f} / {b['median']:>9.1f}"
              f" {b['best'] / a['best']:>8.1f}x")
    print("wire = protobuf encode+decode only; contract = encode_frame + decode_frame with full validation "
          "and sha256 of every payload (pure-Python decode via sync/fastwire.py); contract-generic = same with "
          "protobuf's own parser")


if __name__ == "__main__":
    main()
