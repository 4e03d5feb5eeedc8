"""Read models (threads and their messages) projected from the run event log, with checkpoints.

``apply`` runs in the same transaction as the append (so a reader never sees the log ahead of the
read model) and is idempotent per topic: an event at or below the checkpoint is skipped; one past
``checkpoint + 1`` is a gap, recorded as a drift report and not applied. ``reproject`` deletes the
read models and applies every run's log again; ``summary_hash`` fingerprints them, so a rebuild
that reproduces the same state yields the same hash.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import msgspec
from openagents_proto.canonical import payload_hash

from openagents_server.domains.runtime import repository as repo
from openagents_server.domains.runtime.repository import Run
from openagents_server.khala import log

#: A run's end without a turn/completed → the status its unfinished messages take.
_ENDED = {"failed": "failed", "canceled": "interrupted"}


def run_topic(run_id: str) -> str:
    return f"run:{run_id}:events"


async def apply(conn: asyncpg.Connection, run: Run, seq: int, kind: str,
                payload: dict[str, Any]) -> bool:
    """Apply one event of ``run``'s topic; False when skipped (already applied, or a gap)."""
    topic = run_topic(run.id)
    # One round trip on the usual path: the checkpoint moves from seq - 1 to seq, or nothing happens.
    if not await repo.advance_checkpoint(conn, topic, seq):
        last = await repo.checkpoint(conn, topic)
        if seq > last + 1:
            await repo.insert_drift(conn, topic, last + 1, seq)
        return False
    await _apply(conn, run, kind, payload)
    return True


async def _apply(conn: asyncpg.Connection, run: Run, kind: str, payload: dict[str, Any]) -> None:
    if kind == "run.created" and payload.get("method") == "turn/start":
        params = payload.get("params") or {}
        thread_id, text = params.get("thread_id"), str(params.get("text", ""))
        if thread_id and await repo.thread(conn, thread_id) is not None:
            await repo.insert_message(conn, thread_id, f"user:{run.id}", run.id, "", "user", text, "completed")
            await repo.add_turn(conn, thread_id, " ".join(text.split())[:80])
        return
    if kind.startswith("run.") and payload.get("to_status") in _ENDED:
        # A run that ends without its turn/completed (the worker stopped or failed mid-turn, or was
        # interrupted): its reply stays visible, marked as not finished.
        await repo.set_turn_status(conn, run.id, _ENDED[payload["to_status"]])
        return
    if kind != "codex.notification":
        return
    method, params = payload.get("method"), payload.get("params") or {}
    thread_id = params.get("thread_id")
    if not thread_id:
        return
    if method == "thread/started":
        await repo.insert_thread(conn, thread_id, run.worker_id, run.owner_user_id)
        return
    item_id = params.get("item_id")
    if method == "item/agentMessage/delta" and item_id:  # the hot path: one statement, owner checked in it
        await repo.append_delta(conn, thread_id, item_id, str(params.get("delta", "")), run.owner_user_id)
        return
    owned = await repo.thread(conn, thread_id)
    if owned is None or owned.owner_user_id != run.owner_user_id:
        return  # a worker cannot write into another person's thread
    if method == "item/started" and item_id and params.get("item_kind") in ("agent_message", "agentMessage"):
        await repo.insert_message(conn, thread_id, item_id, run.id, params.get("turn_id", ""), "assistant", "",
                                  "in_progress")
    elif method == "item/completed" and item_id:
        await repo.set_message_status(conn, thread_id, item_id, str(params.get("item_status", "completed")))
    elif method == "turn/completed":
        await repo.set_turn_status(conn, run.id, str(params.get("status", "completed")))


async def summary_hash(conn: asyncpg.Connection | asyncpg.Pool) -> str:
    threads, messages = await repo.read_model_rows(conn)
    return payload_hash({
        "threads": [[r.id, r.worker_id, r.owner_user_id, r.title, r.turn_count] for r in threads],
        "messages": [[r.thread_id, r.item_id, r.run_id, r.turn_id, r.role, r.text, r.status, r.position]
                     for r in messages],
    })


async def reproject(pool: asyncpg.Pool) -> dict[str, Any]:
    """Rebuild the read models from the log in one transaction; returns hashes before and after."""
    async with pool.acquire() as conn, conn.transaction():
        before = await summary_hash(conn)
        await repo.clear_read_models(conn)
        applied = 0
        for run_id in await repo.all_run_ids(conn):
            run = await repo.run(conn, run_id)
            assert run is not None  # read in this transaction
            after_seq = 0
            while True:
                events = await log.read(conn, run_topic(run_id), after_seq, limit=1000)
                if not events:
                    break
                for event in events:
                    applied += await apply(conn, run, event.seq, event.kind, json.loads(event.payload))
                after_seq = events[-1].seq
        after = await summary_hash(conn)
        drift = [msgspec.structs.asdict(r) for r in await repo.drift_reports(conn)]
    return {"before": before, "after": after, "events_applied": applied, "drift": drift}
