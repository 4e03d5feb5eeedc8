"""What an autopilot run appends to ``run:{id}:events`` (each payload carries ``type``):

``run.created`` (the message), ``run.started`` (the context's hash, size and what was dropped),
``tool.call`` (before a tool runs), ``tool.result`` (decision, outcome, receipt; written by the tools
domain), ``message.completed`` (the reply), ``run.finished`` (status, reason, the run's receipt hash).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from openagents_server.khala import log

SCOPE = "runtime.run_events"


def run_topic(run_id: str) -> str:
    return f"run:{run_id}:events"


async def register(conn: asyncpg.Connection, run_id: str, user_id: str) -> None:
    """Only the person who sent the message follows the run (it carries their conversation)."""
    await log.register_topic(conn, run_topic(run_id), owner_user_id=user_id)


async def append(conn: asyncpg.Connection, run_id: str, kind: str, payload: dict[str, Any], key: str | None = None) -> int:
    appended = await log.append(conn, run_topic(run_id), doc_key=run_id, payload={"type": kind, **payload}, kind=kind,
                                idempotency_key=key)
    return appended.seq


def khala_target(run_id: str) -> dict[str, str]:
    return {"topic": run_topic(run_id), "scope": SCOPE, "socket_path": "/sync/socket",
            "token_endpoint": "/api/sync/token", "protocol_version": "khala.ws.v1"}
