"""``openagents.receipt.v1``: what a run did, as canonical JSON with its sha256, and the replay JSONL.

Both are pure functions of the run's events (seq, kind, doc_key, payload hash and payload), so the
same events always give byte-identical output; nothing time- or host-dependent goes in.

* replay JSONL: one canonical JSON object per event, in seq order, each line ending in ``\\n``;
* trajectory hash: sha256 of the canonical JSON list ``[[seq, kind, payload_hash], …]``;
* receipt: run identity and outcome, event counts by kind, the seq range, the trajectory hash and
  the replay hash; ``receipt_hash`` is the sha256 of the receipt's canonical JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from openagents_proto.canonical import canonical_json, hash_bytes

from openagents_server.domains.runtime.repository import Run
from openagents_server.khala.log import Event

SCHEMA = "openagents.receipt.v1"


@dataclass(frozen=True, slots=True)
class Receipt:
    body: bytes
    receipt_hash: str
    replay: bytes


def replay_jsonl(events: Sequence[Event]) -> bytes:
    lines = [
        canonical_json({"seq": e.seq, "kind": e.kind, "doc_key": e.doc_key, "payload_hash": e.payload_hash,
                        "payload": json.loads(e.payload)})
        for e in events
    ]
    return b"".join(line + b"\n" for line in lines)


def trajectory_hash(events: Sequence[Event]) -> str:
    return hash_bytes(canonical_json([[e.seq, e.kind, e.payload_hash] for e in events]))


def build(run: Run, events: Sequence[Event]) -> Receipt:
    """The receipt of ``run`` (its ``id``, ``worker_id``, ``request_id``, ``status``, ``reason_class``)."""
    replay = replay_jsonl(events)
    counts = Counter(e.kind for e in events)
    body = canonical_json({
        "schema": SCHEMA,
        "run_id": run.id,
        "worker_id": run.worker_id,
        "request_id": run.request_id,
        "status": run.status,
        "reason_class": run.reason_class or "",
        "event_count": len(events),
        "event_counts": dict(sorted(counts.items())),
        "seq_range": {"first": events[0].seq if events else 0, "last": events[-1].seq if events else 0},
        "trajectory_hash": trajectory_hash(events),
        "replay_hash": hash_bytes(replay),
    })
    return Receipt(body, hash_bytes(body), replay)
