"""The Khala topics the runtime appends to, and what it puts there.

* ``run:{id}:events`` — the run's event log (per-run seq): ``run.created``, ``run.started``,
  ``run.cancel_requested``, ``codex.notification``, ``codex.response``, ``run.finished``;
* ``worker:{id}:events`` — what the worker and its owner's pages follow live: ``worker.starting`` …
  lifecycle events, ``codex.request`` (a request for the worker to execute), every notification and
  response of its runs;
* ``user:{id}:workers`` / ``org:{id}:workers`` — one ``worker.summary`` document per worker;
* ``admin:runtime`` — platform administrators' view (ADR 0604): ``admin.worker`` on every worker
  status change and ``admin.run`` when a run is created or finishes; ids, statuses, methods and
  reasons only, never message text. Appended in the transaction of the change it reports.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog

from openagents_server.errors import RateLimited
from openagents_server.khala import log
from openagents_server.khala.log import Appended, AppendError

ADMIN_TOPIC = "admin:runtime"
_log = structlog.get_logger("openagents.runtime.events")


def run_topic(run_id: str) -> str:
    return f"run:{run_id}:events"


def worker_topic(worker_id: str) -> str:
    return f"worker:{worker_id}:events"


def user_workers_topic(user_id: str) -> str:
    return f"user:{user_id}:workers"


def org_workers_topic(org_id: str) -> str:
    return f"org:{org_id}:workers"


async def register(conn: asyncpg.Connection, topic: str, owner_user_id: str, org_id: str | None) -> None:
    """Record the owner for the topic ACL. Only the owner subscribes: run and worker topics carry a
    person's conversation, so they are not shared with the org (the org topic carries summaries)."""
    del org_id
    await log.register_topic(conn, topic, owner_user_id=owner_user_id, owner_org_id=None)


async def append(conn: asyncpg.Connection, topic: str, kind: str, doc_key: str, payload: dict[str, Any],
                 idempotency_key: str | None = None, expected_previous_seq: int | None = None) -> Appended:
    """Append ``payload`` with its kind as ``type`` (Khala updates carry no kind of their own)."""
    return await log.append(conn, topic, doc_key=doc_key, payload={"type": kind, **payload}, kind=kind,
                            idempotency_key=idempotency_key, expected_previous_seq=expected_previous_seq)


async def admin(conn: asyncpg.Connection, kind: str, doc_key: str, payload: dict[str, Any]) -> None:
    """Tell administrators' pages (``admin:runtime``). Over the topic's publish rate, the event is
    dropped (logged), never the person's change: their pages re-read when the socket is down."""
    try:
        await append(conn, ADMIN_TOPIC, kind, doc_key, payload)
    except AppendError as exc:
        if exc.kind is not RateLimited:
            raise
        _log.warning("admin_event_dropped", kind=kind, doc_key=doc_key, reason=exc.reason)
