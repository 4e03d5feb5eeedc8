"""The audit trail: one row per security-relevant event, written with the request's context."""

from __future__ import annotations

from typing import Any, Literal

import asyncpg
import structlog

from openagents_server.metrics.families import AUDIT_EVENTS
from openagents_server.observability import current_request_id

Outcome = Literal["success", "failure", "denied"]
_log = structlog.get_logger("openagents.audit")


async def audit(
    conn: asyncpg.Connection | asyncpg.Pool,
    event_name: str,
    *,
    outcome: Outcome = "success",
    user_id: str | None = None,
    session_id: str | None = None,
    org_id: str | None = None,
    device_id: str | None = None,
    attributes: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> None:
    """Record ``event_name``; run it on the caller's connection to commit with the caller's write."""
    request_id = request_id or current_request_id()
    await conn.execute(
        """
        INSERT INTO audit_events
            (event_name, request_id, outcome, user_id, session_id, org_id, device_id, attributes)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        event_name, request_id, outcome, user_id, session_id, org_id, device_id, attributes or {},
    )
    AUDIT_EVENTS.labels(event_name, outcome).inc()
    _log.info("audit", event_name=event_name, outcome=outcome, user_id=user_id, session_id=session_id)
