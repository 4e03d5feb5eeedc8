"""What the pages read: a person's threads, a thread snapshot consistent with its worker topic, a
request's outcome, and the administrators' overview of every worker and run.

The snapshot is the point of this module. A page that loads (or reloads mid-stream) a thread reads
its messages **and** the head of the worker's Khala topic in one ``REPEATABLE READ`` snapshot. Every
message change (a user turn, a delta, a status) is projected in the same transaction as the worker
topic append that announces it (``service.py``), so the messages hold exactly the events with
``seq <= worker_seq``: the page applies the snapshot and then subscribes with
``resume_after = worker_seq`` and gets every later event once, with no gap and no duplicate.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

import asyncpg

from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.runtime import events, service
from openagents_server.domains.runtime import repository as repo
from openagents_server.domains.runtime.repository import AdminRun, AdminWorker, Message, ThreadWithWorker
from openagents_server.errors import Invalid, NotFound
from openagents_server.khala import log
from openagents_server.khala.topics import ADMIN_RUNTIME

#: The scope a sync token needs for a worker topic (``openagents_proto`` topic class ``codex_worker_events``).
WORKER_SCOPE = "runtime.codex_worker_events"


def _iso(value: datetime | None) -> str | None:
    return service._iso(value)


def _cursor(row: ThreadWithWorker) -> str:
    raw = f"{row.updated_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, thread_id = raw.split("|", 1)
        return datetime.fromisoformat(stamp), thread_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid("invalid_cursor", "cursor is not one this endpoint returned", field="cursor") from None


def thread_view(row: ThreadWithWorker) -> dict[str, Any]:
    """A thread in the Codex app-server's ``thread/list`` shape (``id``, ``preview``, ``model_provider``,
    ``created_at``/``updated_at``) plus the worker it lives on."""
    return {"id": row.id, "preview": row.title, "model_provider": row.adapter, "worker_id": row.worker_id,
            "worker_status": row.worker_status, "turn_count": row.turn_count,
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}


def message_view(row: Message, reasons: dict[str, str] | None = None) -> dict[str, Any]:
    """One message; ``reason`` is why its run failed (``worker_stopped`` …) when it did, else empty."""
    return {"item_id": row.item_id, "run_id": row.run_id, "turn_id": row.turn_id, "role": row.role,
            "text": row.text, "status": row.status, "position": row.position,
            "reason": (reasons or {}).get(row.run_id, "") if row.role != "user" else "", "created_at": _iso(row.created_at)}


async def thread_list(pool: asyncpg.Pool, auth: AuthContext, *, limit: int, worker_id: str | None,
                      cursor: str | None) -> dict[str, Any]:
    before = _parse_cursor(cursor) if cursor else None
    rows = await repo.threads_page(pool, auth.user_id, limit + 1, worker_id, before)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"data": [thread_view(r) for r in rows], "next_cursor": _cursor(rows[-1]) if more and rows else None}


async def thread_snapshot(pool: asyncpg.Pool, auth: AuthContext, thread_id: str) -> dict[str, Any]:
    """The thread, its messages, its open turns and the worker topic's head, read in one snapshot."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        thread = await repo.thread_with_worker(conn, thread_id)
        if thread is None or thread.owner_user_id != auth.user_id:
            raise NotFound("thread_not_found", "No such thread.")
        topic = events.worker_topic(thread.worker_id)
        state = (await log.topic_states(conn, [topic])).get(topic)
        messages = await repo.messages(conn, thread_id, 1000)
        turns = await repo.open_turns_of_thread(conn, thread_id)
        failed = {r.id: r.reason_class or "" for r in await repo.runs_for_thread(conn, thread_id)
                  if r.status == "failed"}
        worker = await repo.worker(conn, thread.worker_id)
    return {
        "thread": thread_view(thread),
        "messages": [message_view(m, failed) for m in messages],
        "active_turns": [{"run_id": t.run_id, "request_id": t.request_id, "status": t.status,
                          "turn_id": t.turn_id or None} for t in turns],
        "worker": service.worker_view(worker),
        "khala": {"topic": topic, "worker_seq": state.head if state else 0, "floor_seq": state.floor if state else 0,
                  "scope": WORKER_SCOPE},
    }


async def request_outcome(pool: asyncpg.Pool, auth: AuthContext, worker_id: str, request_id: str) -> dict[str, Any]:
    """A request's state and, once it has one, its terminal response (a poll for clients without Khala)."""
    service._owned(await repo.worker(pool, worker_id), auth)
    row = await repo.request(pool, worker_id, request_id)
    if row is None:
        raise NotFound("request_not_found", "No such request on this worker.")
    return {"worker_id": worker_id, "request_id": request_id, "method": row.method, "status": row.status,
            "run_id": row.run_id, "request_seq": row.request_seq, "terminal_seq": row.terminal_seq,
            "response": json.loads(row.response) if row.response else None}


# ------------------------------------------------------------------------- administrators

def _admin_worker(row: AdminWorker) -> dict[str, Any]:
    return {**service.worker_view(row), "owner_email": row.owner_email, "open_runs": row.open_runs}


def _admin_run(row: AdminRun) -> dict[str, Any]:
    return {**service.run_view(row), "method": row.method or "", "owner_email": row.owner_email}


async def admin_overview(pool: asyncpg.Pool, *, limit: int, status: str | None) -> dict[str, Any]:
    """Every worker (newest activity first) and the latest runs, with run counts by status."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        workers = await repo.all_workers(conn, limit, status)
        runs = await repo.recent_runs(conn, limit, None)
        counts = await repo.run_counts(conn)
        # the admin topic's head in the same snapshot: the page listens from exactly here (ADR 0604)
        state = (await log.topic_states(conn, [events.ADMIN_TOPIC])).get(events.ADMIN_TOPIC)
    return {"workers": [_admin_worker(w) for w in workers], "runs": [_admin_run(r) for r in runs],
            "run_counts": counts,
            "khala": {"topic": events.ADMIN_TOPIC, "head_seq": state.head if state else 0,
                      "scope": ADMIN_RUNTIME.scope}}


async def admin_runs(pool: asyncpg.Pool, *, limit: int, status: str | None) -> list[dict[str, Any]]:
    return [_admin_run(r) for r in await repo.recent_runs(pool, limit, status)]
