"""SQL of the ops domain: routing controls, the audit trail as the console reads it, system status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

Conn = asyncpg.Connection | asyncpg.Pool


class ControlRecord(msgspec.Struct, frozen=True):
    """A row of ``ops_routing_controls``."""

    kind: str
    target: str
    value: str
    retry_after: int
    updated_by: str
    reason: str
    updated_at: datetime


class RemovedControl(msgspec.Struct, frozen=True):
    """What :func:`delete_control` removed."""

    kind: str
    target: str
    value: str


class DriverOverride(msgspec.Struct, frozen=True):
    target: str
    value: str


class AuditEventRecord(msgspec.Struct, frozen=True):
    """A row of ``audit_events`` as the console reads it."""

    id: int
    event_name: str
    outcome: str
    occurred_at: datetime
    user_id: str | None
    session_id: str | None
    org_id: str | None
    request_id: str | None
    attributes: dict[str, Any]


class NodeStats(msgspec.Struct, frozen=True):
    """A row of ``khala_node_stats``."""

    node_id: str
    stats: dict[str, Any]
    updated_at: datetime


class RolloutRecord(msgspec.Struct, frozen=True):
    """The single row of ``web_rollout``."""

    active_build_id: str | None
    canary_build_id: str | None
    canary_percent: int
    killswitch: bool
    revision: int
    updated_at: datetime


class QueueDepths(msgspec.Struct, frozen=True):
    """Work waiting: runtime requests not yet taken by a worker, runs in flight, live workers."""

    runtime_requests_open: int
    runtime_runs_open: int
    workers_live: int


class OpsUser(msgspec.Struct, frozen=True):
    """The account an operator names at the command line."""

    id: str
    email: str
    name: str | None


_CONTROL = ", ".join(ControlRecord.__struct_fields__)
_REMOVED = ", ".join(RemovedControl.__struct_fields__)
_AUDIT = ", ".join(AuditEventRecord.__struct_fields__)
_NODE = ", ".join(NodeStats.__struct_fields__)
_ROLLOUT = ", ".join(RolloutRecord.__struct_fields__)
_USER = ", ".join(OpsUser.__struct_fields__)


async def controls(conn: Conn) -> list[ControlRecord]:
    rows = await conn.fetch(f"SELECT {_CONTROL} FROM ops_routing_controls ORDER BY kind, target")
    return [ControlRecord(*r) for r in rows]


async def upsert_control(conn: asyncpg.Connection, kind: str, target: str, value: str, retry_after: int,
                         updated_by: str, reason: str) -> ControlRecord:
    row = await conn.fetchrow(
        f"""
        INSERT INTO ops_routing_controls (kind, target, value, retry_after, updated_by, reason)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (kind, target) DO UPDATE
            SET value = excluded.value, retry_after = excluded.retry_after, updated_by = excluded.updated_by,
                reason = excluded.reason, updated_at = now()
        RETURNING {_CONTROL}
        """,
        kind, target, value, retry_after, updated_by, reason,
    )
    return ControlRecord(*row)


async def delete_control(conn: asyncpg.Connection, kind: str, target: str) -> RemovedControl | None:
    row = await conn.fetchrow(f"DELETE FROM ops_routing_controls WHERE kind = $1 AND target = $2 "
                              f"RETURNING {_REMOVED}", kind, target)
    return None if row is None else RemovedControl(*row)


async def driver_overrides(conn: Conn) -> list[DriverOverride]:
    rows = await conn.fetch("SELECT target, value FROM ops_routing_controls WHERE kind = 'driver_override'")
    return [DriverOverride(*r) for r in rows]


async def audit_events(conn: Conn, *, event_prefix: str | None, user_id: str | None, outcome: str | None,
                       before_id: int | None, since: datetime | None, limit: int) -> list[AuditEventRecord]:
    clauses, args = [], []  # type: ignore[var-annotated]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if event_prefix:
        pattern = event_prefix.replace("\\", "").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(f"event_name LIKE {arg(pattern)}")
    if user_id:
        clauses.append(f"user_id = {arg(user_id)}")
    if outcome:
        clauses.append(f"outcome = {arg(outcome)}")
    if before_id:
        clauses.append(f"id < {arg(before_id)}")
    if since:
        clauses.append(f"occurred_at >= {arg(since)}")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = await conn.fetch(f"SELECT {_AUDIT} FROM audit_events {where} ORDER BY id DESC LIMIT {arg(limit)}", *args)
    return [AuditEventRecord(*r) for r in rows]


async def live_nodes(conn: Conn, stale_seconds: int) -> list[NodeStats]:
    rows = await conn.fetch(f"SELECT {_NODE} FROM khala_node_stats "
                            "WHERE updated_at > now() - make_interval(secs => $1) ORDER BY node_id", stale_seconds)
    return [NodeStats(*r) for r in rows]


async def rollout(conn: Conn) -> RolloutRecord | None:
    row = await conn.fetchrow(f"SELECT {_ROLLOUT} FROM web_rollout LIMIT 1")
    return None if row is None else RolloutRecord(*row)


async def queue_depths(conn: Conn) -> QueueDepths:
    """Work waiting: runtime requests not yet taken by a worker, runs in flight, workers by status."""
    row = await conn.fetchrow(
        """
        SELECT (SELECT count(*) FROM runtime_requests WHERE status = 'accepted') AS runtime_requests_open,
               (SELECT count(*) FROM runtime_runs WHERE status IN ('created', 'running', 'canceling'))
                   AS runtime_runs_open,
               (SELECT count(*) FROM runtime_workers WHERE status IN ('starting', 'running')) AS workers_live
        """)
    return QueueDepths(*row)


async def user_by_email(conn: Conn, email: str) -> OpsUser | None:
    """The account an operator names at the command line (read only)."""
    row = await conn.fetchrow(f"SELECT {_USER} FROM users WHERE lower(email) = lower($1)", email)
    return None if row is None else OpsUser(*row)
