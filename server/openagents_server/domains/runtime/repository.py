"""SQL of the runtime tables (workers, runs, requests, receipts, read models); no rules here.

Rows come back as frozen structs built positionally (``Run(*record)``), so each SELECT list names
its struct's fields in order (``docs/CONTRIBUTING.md``; ``tests/runtime/test_repository_rows.py``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

Conn = asyncpg.Connection | asyncpg.Pool


class Worker(msgspec.Struct, frozen=True):
    id: str
    owner_user_id: str
    org_id: str | None
    status: str
    adapter: str
    #: The JSON object as text (``metadata::text``).
    metadata: str
    latest_seq: int
    last_heartbeat_at: datetime | None
    started_at: datetime
    updated_at: datetime
    #: A heartbeat in the last 120 s (computed in SQL, on the database's clock).
    heartbeat_fresh: bool


class AdminWorker(Worker, frozen=True):
    """A worker with its owner's email and how many of its runs are open (the admin console)."""

    owner_email: str
    open_runs: int


class Run(msgspec.Struct, frozen=True):
    id: str
    owner_user_id: str
    org_id: str | None
    worker_id: str
    request_id: str
    thread_id: str | None
    status: str
    reason_class: str | None
    latest_seq: int
    created_at: datetime
    updated_at: datetime


class AdminRun(Run, frozen=True):
    """A run with its request's method (None: no request row) and the owner's email (the admin console)."""

    method: str | None
    owner_email: str


class Request(msgspec.Struct, frozen=True):
    worker_id: str
    request_id: str
    method: str
    #: JSON text (``params::text``), as are ``response``'s.
    params: str
    run_id: str | None
    status: str
    request_seq: int
    response: str | None
    terminal_seq: int | None


class StoredReceipt(msgspec.Struct, frozen=True):
    run_id: str
    receipt: bytes
    receipt_hash: str


class DriftReport(msgspec.Struct, frozen=True):
    topic: str
    expected_seq: int
    got_seq: int


class Thread(msgspec.Struct, frozen=True):
    id: str
    worker_id: str
    owner_user_id: str
    title: str
    turn_count: int
    created_at: datetime
    updated_at: datetime


class ThreadWithWorker(Thread, frozen=True):
    """A thread with its worker's adapter and status (the pages)."""

    adapter: str
    worker_status: str


class Message(msgspec.Struct, frozen=True):
    item_id: str
    run_id: str
    turn_id: str
    role: str
    text: str
    status: str
    position: int
    created_at: datetime


class ThreadSummary(msgspec.Struct, frozen=True):
    """What the projection summary hash covers of a thread."""

    id: str
    worker_id: str
    owner_user_id: str
    title: str
    turn_count: int


class MessageSummary(msgspec.Struct, frozen=True):
    """What the projection summary hash covers of a message."""

    thread_id: str
    item_id: str
    run_id: str
    turn_id: str
    role: str
    text: str
    status: str
    position: int


class RunScope(msgspec.Struct, frozen=True):
    """Who owns a run, its status, and the integrations its policy allows."""

    user_id: str
    status: str
    integrations: list[str]


class OpenTurn(msgspec.Struct, frozen=True):
    """An unfinished turn/start run of a thread; ``turn_id`` once the worker named the turn."""

    run_id: str
    request_id: str
    status: str
    turn_id: str | None


_WORKER = ("id, owner_user_id, org_id, status, adapter, metadata::text AS metadata, latest_seq, last_heartbeat_at, started_at, "
           "updated_at, (last_heartbeat_at IS NOT NULL AND last_heartbeat_at > now() - make_interval(secs => 120))"
           " AS heartbeat_fresh")
_RUN = ", ".join(Run.__struct_fields__)
_MESSAGE = ", ".join(Message.__struct_fields__)
_THREAD_COLUMNS = ", ".join(Thread.__struct_fields__)


def _worker(row: asyncpg.Record | None) -> Worker | None:
    return None if row is None else Worker(*row)


def _run(row: asyncpg.Record | None) -> Run | None:
    return None if row is None else Run(*row)


# ------------------------------------------------------------------------------------ workers

async def insert_worker(conn: Conn, worker_id: str, owner_user_id: str, org_id: str | None, adapter: str,
                        metadata: dict[str, str], idempotency_key: str | None) -> Worker | None:
    return _worker(await conn.fetchrow(
        f"""INSERT INTO runtime_workers (id, owner_user_id, org_id, status, adapter, metadata, idempotency_key)
            VALUES ($1, $2, $3, 'starting', $4, $5::text::jsonb, $6) ON CONFLICT DO NOTHING RETURNING {_WORKER}""",
        worker_id, owner_user_id, org_id, adapter, json.dumps(metadata), idempotency_key,
    ))


async def worker(conn: Conn, worker_id: str, *, lock: bool = False) -> Worker | None:
    return _worker(await conn.fetchrow(f"SELECT {_WORKER} FROM runtime_workers WHERE id = $1"
                                       + (" FOR UPDATE" if lock else ""), worker_id))


async def worker_by_key(conn: Conn, owner_user_id: str, key: str) -> Worker | None:
    return _worker(await conn.fetchrow(
        f"SELECT {_WORKER} FROM runtime_workers WHERE owner_user_id = $1 AND idempotency_key = $2",
        owner_user_id, key))


async def workers_for_user(conn: Conn, owner_user_id: str, limit: int) -> list[Worker]:
    rows = await conn.fetch(
        f"SELECT {_WORKER} FROM runtime_workers WHERE owner_user_id = $1 ORDER BY started_at DESC, id LIMIT $2",
        owner_user_id, limit)
    return [Worker(*r) for r in rows]


async def set_worker(conn: Conn, worker_id: str, *, status: str | None = None, latest_seq: int | None = None,
                     heartbeat: bool = False, restart: bool = False, adapter: str | None = None) -> Worker:
    """Update the worker (which exists: the caller holds it)."""
    row = await conn.fetchrow(
        f"""UPDATE runtime_workers SET status = coalesce($2, status), latest_seq = greatest(latest_seq, coalesce($3, 0)),
                   last_heartbeat_at = CASE WHEN $4 THEN now() WHEN $5 THEN NULL ELSE last_heartbeat_at END,
                   started_at = CASE WHEN $5 THEN now() ELSE started_at END,
                   adapter = coalesce($6, adapter), updated_at = now()
            WHERE id = $1 RETURNING {_WORKER}""",
        worker_id, status, latest_seq, heartbeat, restart, adapter)
    assert row is not None
    return Worker(*row)


# --------------------------------------------------------------------------------------- runs

async def insert_run(conn: Conn, run_id: str, owner_user_id: str, org_id: str | None, worker_id: str,
                     request_id: str, thread_id: str | None) -> Run:
    row = await conn.fetchrow(
        f"""INSERT INTO runtime_runs (id, owner_user_id, org_id, worker_id, request_id, thread_id, status)
            VALUES ($1, $2, $3, $4, $5, $6, 'created') RETURNING {_RUN}""",
        run_id, owner_user_id, org_id, worker_id, request_id, thread_id)
    return Run(*row)


async def run(conn: Conn, run_id: str, *, lock: bool = False) -> Run | None:
    return _run(await conn.fetchrow(f"SELECT {_RUN} FROM runtime_runs WHERE id = $1" + (" FOR UPDATE" if lock else ""),
                                    run_id))


async def set_run(conn: Conn, run_id: str, status: str, latest_seq: int, reason_class: str | None = None,
                  thread_id: str | None = None) -> Run:
    """Update the run (which exists: the caller holds it)."""
    row = await conn.fetchrow(
        f"""UPDATE runtime_runs SET status = $2, latest_seq = greatest(latest_seq, $3),
                   reason_class = coalesce($4, reason_class), thread_id = coalesce(thread_id, $5), updated_at = now()
            WHERE id = $1 RETURNING {_RUN}""",
        run_id, status, latest_seq, reason_class, thread_id)
    assert row is not None
    return Run(*row)


async def touch_run_seq(conn: Conn, run_id: str, latest_seq: int) -> None:
    await conn.execute("UPDATE runtime_runs SET latest_seq = greatest(latest_seq, $2), updated_at = now() WHERE id = $1",
                       run_id, latest_seq)


async def open_runs_of_worker(conn: Conn, worker_id: str) -> list[Run]:
    rows = await conn.fetch(
        f"""SELECT {_RUN} FROM runtime_runs WHERE worker_id = $1 AND status IN ('created', 'running', 'canceling')
            ORDER BY created_at, id FOR UPDATE""", worker_id)
    return [Run(*r) for r in rows]


async def open_turn_run(conn: Conn, worker_id: str, thread_id: str, turn_id: str | None) -> Run | None:
    """The open turn/start run of a thread (the one named by ``turn_id`` when given)."""
    return _run(await conn.fetchrow(
        f"""SELECT {_RUN} FROM runtime_runs r WHERE worker_id = $1 AND thread_id = $2
              AND status IN ('created', 'running') AND ($3::text IS NULL OR id = $3
                   OR EXISTS (SELECT 1 FROM runtime_messages m WHERE m.run_id = r.id AND m.turn_id = $3))
              AND EXISTS (SELECT 1 FROM runtime_requests q WHERE q.run_id = r.id AND q.method = 'turn/start')
            ORDER BY created_at DESC LIMIT 1 FOR UPDATE""", worker_id, thread_id, turn_id))


async def runs_for_thread(conn: Conn, thread_id: str) -> list[Run]:
    rows = await conn.fetch(f"SELECT {_RUN} FROM runtime_runs WHERE thread_id = $1 ORDER BY created_at, id", thread_id)
    return [Run(*r) for r in rows]


async def all_run_ids(conn: Conn) -> list[str]:
    """Every run, in the order its log was written (the time of its first event; ``clock_timestamp``).

    Not ``runtime_runs.created_at``: that is the transaction's start, the same for every run created in
    one transaction (``openagents chat import``), which left their order to the random ids, and a
    thread's messages must be rebuilt in the order they were written."""
    rows = await conn.fetch(
        """SELECT r.id FROM runtime_runs r
           LEFT JOIN khala_events e ON e.topic = 'run:' || r.id || ':events' AND e.seq = 1
           ORDER BY e.created_at NULLS LAST, r.created_at, r.id""")
    return [r[0] for r in rows]


# ----------------------------------------------------------------------------------- requests

async def insert_request(conn: Conn, worker_id: str, request_id: str, method: str, params: dict[str, Any],
                         run_id: str, request_seq: int) -> None:
    await conn.execute(
        """INSERT INTO runtime_requests (worker_id, request_id, method, params, run_id, status, request_seq)
           VALUES ($1, $2, $3, $4::text::jsonb, $5, 'accepted', $6)""",
        worker_id, request_id, method, json.dumps(params), run_id, request_seq)


async def request(conn: Conn, worker_id: str, request_id: str, *, lock: bool = False) -> Request | None:
    row = await conn.fetchrow(
        "SELECT worker_id, request_id, method, params::text AS params, run_id, status, request_seq, "
        "response::text AS response, terminal_seq "
        "FROM runtime_requests WHERE worker_id = $1 AND request_id = $2" + (" FOR UPDATE" if lock else ""),
        worker_id, request_id)
    return None if row is None else Request(*row)


async def finish_request(conn: Conn, worker_id: str, request_id: str, status: str, response: dict[str, Any],
                         terminal_seq: int) -> bool:
    """Set the terminal outcome once; False if it was already terminal."""
    done = await conn.fetchval(
        """UPDATE runtime_requests SET status = $3, response = $4::text::jsonb, terminal_seq = $5, terminal_at = now()
           WHERE worker_id = $1 AND request_id = $2 AND terminal_at IS NULL RETURNING 1""",
        worker_id, request_id, status, json.dumps(response), terminal_seq)
    return done is not None


async def terminal_count(conn: Conn, worker_id: str, request_id: str) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM runtime_requests WHERE worker_id = $1 AND request_id = $2 AND terminal_at IS NOT NULL",
        worker_id, request_id)


# ----------------------------------------------------------------------------------- receipts

async def insert_receipt(conn: Conn, run_id: str, body: bytes, receipt_hash: str) -> None:
    await conn.execute(
        "INSERT INTO runtime_receipts (run_id, receipt, receipt_hash) VALUES ($1, $2, $3)", run_id, body, receipt_hash)


async def receipt(conn: Conn, run_id: str) -> StoredReceipt | None:
    row = await conn.fetchrow("SELECT run_id, receipt, receipt_hash FROM runtime_receipts WHERE run_id = $1", run_id)
    return None if row is None else StoredReceipt(*row)


async def receipt_count(conn: Conn, run_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM runtime_receipts WHERE run_id = $1", run_id)


# -------------------------------------------------------------------------------- read models

async def checkpoint(conn: Conn, topic: str) -> int:
    return await conn.fetchval("SELECT last_seq FROM runtime_projection_checkpoints WHERE topic = $1", topic) or 0


async def advance_checkpoint(conn: Conn, topic: str, seq: int) -> bool:
    """Move the topic's checkpoint to ``seq`` if it stands at ``seq - 1`` (seq 1 creates it)."""
    if seq == 1:
        done = await conn.fetchval(
            "INSERT INTO runtime_projection_checkpoints (topic, last_seq) VALUES ($1, 1) ON CONFLICT DO NOTHING RETURNING 1",
            topic)
    else:
        done = await conn.fetchval(
            "UPDATE runtime_projection_checkpoints SET last_seq = $2, updated_at = now() WHERE topic = $1 AND last_seq = $2 - 1"
            " RETURNING 1", topic, seq)
    return done is not None


async def set_checkpoint(conn: Conn, topic: str, seq: int) -> None:
    await conn.execute(
        """INSERT INTO runtime_projection_checkpoints (topic, last_seq) VALUES ($1, $2)
           ON CONFLICT (topic) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()""", topic, seq)


async def insert_drift(conn: Conn, topic: str, expected: int, got: int) -> None:
    await conn.execute("INSERT INTO runtime_drift_reports (topic, expected_seq, got_seq) VALUES ($1, $2, $3)",
                       topic, expected, got)


async def drift_reports(conn: Conn) -> list[DriftReport]:
    return [DriftReport(*r)
            for r in await conn.fetch("SELECT topic, expected_seq, got_seq FROM runtime_drift_reports ORDER BY id")]


async def insert_thread(conn: Conn, thread_id: str, worker_id: str, owner_user_id: str) -> None:
    await conn.execute(
        """INSERT INTO runtime_threads (id, worker_id, owner_user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING""",
        thread_id, worker_id, owner_user_id)


async def thread(conn: Conn, thread_id: str) -> Thread | None:
    row = await conn.fetchrow(f"SELECT {_THREAD_COLUMNS} FROM runtime_threads WHERE id = $1", thread_id)
    return None if row is None else Thread(*row)


async def threads_for_user(conn: Conn, owner_user_id: str, limit: int, worker_id: str | None = None) -> list[Thread]:
    rows = await conn.fetch(
        f"""SELECT {_THREAD_COLUMNS} FROM runtime_threads
            WHERE owner_user_id = $1 AND ($3::text IS NULL OR worker_id = $3) ORDER BY updated_at DESC, id LIMIT $2""",
        owner_user_id, limit, worker_id)
    return [Thread(*r) for r in rows]


async def add_turn(conn: Conn, thread_id: str, title: str) -> None:
    await conn.execute(
        """UPDATE runtime_threads SET turn_count = turn_count + 1, updated_at = now(),
                  title = CASE WHEN title = '' THEN $2 ELSE title END WHERE id = $1""", thread_id, title)


async def insert_message(conn: Conn, thread_id: str, item_id: str, run_id: str, turn_id: str, role: str, text: str,
                         status: str) -> None:
    await conn.execute(
        """INSERT INTO runtime_messages (thread_id, item_id, run_id, turn_id, role, text, status, position)
           SELECT $1, $2, $3, $4, $5, $6, $7,
                  coalesce((SELECT max(position) FROM runtime_messages WHERE thread_id = $1), 0) + 1
           ON CONFLICT DO NOTHING""", thread_id, item_id, run_id, turn_id, role, text, status)


async def append_delta(conn: Conn, thread_id: str, item_id: str, delta: str, owner_user_id: str) -> None:
    await conn.execute(
        """UPDATE runtime_messages m SET text = m.text || $3 FROM runtime_threads t
           WHERE m.thread_id = $1 AND m.item_id = $2 AND t.id = m.thread_id AND t.owner_user_id = $4""",
        thread_id, item_id, delta, owner_user_id)


async def set_message_status(conn: Conn, thread_id: str, item_id: str, status: str) -> None:
    await conn.execute("UPDATE runtime_messages SET status = $3 WHERE thread_id = $1 AND item_id = $2",
                       thread_id, item_id, status)


async def set_turn_status(conn: Conn, run_id: str, status: str) -> None:
    await conn.execute("UPDATE runtime_messages SET status = $2 WHERE run_id = $1 AND status = 'in_progress'",
                       run_id, status)


async def messages(conn: Conn, thread_id: str, limit: int) -> list[Message]:
    rows = await conn.fetch(
        f"SELECT {_MESSAGE} FROM runtime_messages WHERE thread_id = $1 ORDER BY position LIMIT $2", thread_id, limit)
    return [Message(*r) for r in rows]


async def read_model_rows(conn: Conn) -> tuple[list[ThreadSummary], list[MessageSummary]]:
    """Threads and messages in a stable order, for the projection summary hash."""
    threads = await conn.fetch(
        f"SELECT {', '.join(ThreadSummary.__struct_fields__)} FROM runtime_threads ORDER BY id")
    msgs = await conn.fetch(
        f"SELECT {', '.join(MessageSummary.__struct_fields__)} FROM runtime_messages ORDER BY thread_id, position")
    return [ThreadSummary(*r) for r in threads], [MessageSummary(*r) for r in msgs]


async def clear_read_models(conn: Conn) -> None:
    await conn.execute("DELETE FROM runtime_messages; DELETE FROM runtime_threads; "
                       "DELETE FROM runtime_projection_checkpoints; DELETE FROM runtime_drift_reports")


async def logged(conn: Conn, topic: str, idempotency_key: str) -> bool:
    """Whether the log already holds an event with this idempotency key."""
    return await conn.fetchval("SELECT 1 FROM khala_events WHERE topic = $1 AND idempotency_key = $2",
                               topic, idempotency_key) is not None


async def run_scope(conn: asyncpg.Connection, run_id: str) -> RunScope | None:
    """Who owns the run, its status, and the integrations its policy allows (the secret fetch's check)."""
    row = await conn.fetchrow(
        """SELECT owner_user_id AS user_id, status,
                  coalesce(ARRAY(SELECT jsonb_array_elements_text(coalesce(policy -> 'integrations', '[]'::jsonb))),
                           '{}') AS integrations
           FROM runtime_runs WHERE id = $1""", run_id)
    return None if row is None else RunScope(*row)


# ------------------------------------------------------------------------- pages (issue 20)

_THREAD = ("t.id, t.worker_id, t.owner_user_id, t.title, t.turn_count, t.created_at, t.updated_at, "
           "w.adapter, w.status AS worker_status")


async def threads_page(conn: Conn, owner_user_id: str, limit: int, worker_id: str | None,
                       before: tuple[Any, str] | None) -> list[ThreadWithWorker]:
    """A person's threads, newest activity first, keyset-paged on (updated_at, id)."""
    rows = await conn.fetch(
        f"""SELECT {_THREAD} FROM runtime_threads t JOIN runtime_workers w ON w.id = t.worker_id
            WHERE t.owner_user_id = $1 AND ($3::text IS NULL OR t.worker_id = $3)
              AND ($4::timestamptz IS NULL OR (t.updated_at, t.id) < ($4, $5))
            ORDER BY t.updated_at DESC, t.id DESC LIMIT $2""",
        owner_user_id, limit, worker_id, before[0] if before else None, before[1] if before else "")
    return [ThreadWithWorker(*r) for r in rows]


async def thread_with_worker(conn: Conn, thread_id: str) -> ThreadWithWorker | None:
    row = await conn.fetchrow(
        f"SELECT {_THREAD} FROM runtime_threads t JOIN runtime_workers w ON w.id = t.worker_id WHERE t.id = $1",
        thread_id)
    return None if row is None else ThreadWithWorker(*row)


async def open_turns_of_thread(conn: Conn, thread_id: str) -> list[OpenTurn]:
    """The thread's turn/start runs that have not finished, oldest first, with their request ids."""
    rows = await conn.fetch(
        """SELECT r.id AS run_id, r.request_id, r.status,
                  (SELECT m.turn_id FROM runtime_messages m WHERE m.run_id = r.id AND m.turn_id <> '' LIMIT 1) AS turn_id
           FROM runtime_runs r JOIN runtime_requests q ON q.run_id = r.id AND q.method = 'turn/start'
           WHERE r.thread_id = $1 AND r.status IN ('created', 'running', 'canceling')
           ORDER BY r.created_at, r.id""", thread_id)
    return [OpenTurn(*r) for r in rows]


_WORKER_W = ("w.id, w.owner_user_id, w.org_id, w.status, w.adapter, w.metadata::text AS metadata, w.latest_seq, "
             "w.last_heartbeat_at, w.started_at, w.updated_at, (w.last_heartbeat_at IS NOT NULL AND "
             "w.last_heartbeat_at > now() - make_interval(secs => 120)) AS heartbeat_fresh")


async def all_workers(conn: Conn, limit: int, status: str | None) -> list[AdminWorker]:
    """Every worker with its owner's email (the admin console)."""
    rows = await conn.fetch(
        f"""SELECT {_WORKER_W}, u.email AS owner_email,
                   (SELECT count(*) FROM runtime_runs r WHERE r.worker_id = w.id
                      AND r.status IN ('created', 'running', 'canceling')) AS open_runs
            FROM runtime_workers w JOIN users u ON u.id = w.owner_user_id
            WHERE ($2::text IS NULL OR w.status = $2)
            ORDER BY w.updated_at DESC, w.id LIMIT $1""", limit, status)
    return [AdminWorker(*r) for r in rows]


async def recent_runs(conn: Conn, limit: int, status: str | None) -> list[AdminRun]:
    """The latest runs of every worker with their request's method and the owner's email (the admin console)."""
    rows = await conn.fetch(
        """SELECT r.id, r.owner_user_id, r.org_id, r.worker_id, r.request_id, r.thread_id, r.status, r.reason_class,
                  r.latest_seq, r.created_at, r.updated_at, q.method, u.email AS owner_email
           FROM runtime_runs r JOIN users u ON u.id = r.owner_user_id
           LEFT JOIN runtime_requests q ON q.run_id = r.id
           WHERE ($2::text IS NULL OR r.status = $2)
           ORDER BY r.created_at DESC, r.id LIMIT $1""", limit, status)
    return [AdminRun(*r) for r in rows]


async def run_counts(conn: Conn) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) AS n FROM runtime_runs GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def user_id_by_email(conn: Conn, email: str) -> str | None:
    """The account an operator names by email (``openagents chat import``)."""
    return await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
