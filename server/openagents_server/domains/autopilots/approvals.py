"""The owner's answer to a tool call that needed approval (ADR 0802).

A run whose tool call the policy sent for approval (``ask``) pauses (status ``waiting``, one
``autopilot_approvals`` row per call, ``approval.requested`` on the run's topic). Only the
autopilot's *owner* decides (the tools act in their name): approve → the call runs and the run goes
on; deny → the call is recorded denied (its own receipt) and the run goes on, its model told so.
A decision is audited and appended (``approval.decided``) in one transaction; the same decision
again answers the first (idempotent), the other one after it is 409.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from openagents_server.audit import audit
from openagents_server.domains.autopilots import events
from openagents_server.domains.autopilots import repository as repo
from openagents_server.domains.autopilots.service import _load
from openagents_server.domains.identity.context import AuthContext
from openagents_server.errors import Conflict, Forbidden, NotFound
from openagents_server.khala import log

LIST_LIMIT = 100


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def view(row: repo.ApprovalRecord, *, replay: bool = False) -> dict[str, Any]:
    return {"id": row.id, "run_id": row.run_id, "autopilot_id": row.autopilot_id, "call_id": row.call_id,
            "invocation_id": row.invocation_id, "tool": row.tool, "arguments": row.arguments,
            "status": row.status, "note": row.note, "decided_by": row.decided_by,
            "decided_at": _iso(row.decided_at), "created_at": _iso(row.created_at), "idempotent_replay": replay}


async def _owned(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext,
                 autopilot_id: str) -> repo.AutopilotRecord:
    autopilot, access = await _load(conn, auth, autopilot_id)
    if access != "owner":
        raise Forbidden("not_autopilot_owner", "Only the autopilot's owner approves its tool calls (they act in "
                        "the owner's name).", reason="not_autopilot_owner")
    return autopilot


async def pending(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, autopilot_id: str) -> list[dict[str, Any]]:
    await _owned(conn, auth, autopilot_id)
    return [view(r) for r in await repo.pending_approvals(conn, autopilot_id, LIST_LIMIT)]


async def decide(pool: asyncpg.Pool, auth: AuthContext, autopilot_id: str, approval_id: str, *, approve: bool,
                 note: str) -> tuple[dict[str, Any], bool]:
    """Record the owner's decision. Returns ``(approval, resume)``: ``resume`` is True for the one
    caller whose decision was the run's last pending one (it then starts the run again)."""
    status = "approved" if approve else "denied"
    async with log.unit_of_work(pool) as conn:
        await _owned(conn, auth, autopilot_id)
        approval = await repo.approval_for_update(conn, approval_id)
        if approval is None or approval.autopilot_id != autopilot_id:
            raise NotFound("approval_not_found", "No such approval for this autopilot.")
        if approval.status != "pending":
            if approval.status == status:
                return view(approval, replay=True), False
            raise Conflict("approval_already_decided", f"This call was already {approval.status}.",
                           field="decision", details={"decided": approval.status})
        decided = await repo.decide_approval(conn, approval_id, status, auth.user_id, note.strip())
        await audit(conn, "autopilot.tool_call." + status, user_id=auth.user_id,
                    attributes={"autopilot_id": autopilot_id, "run_id": approval.run_id, "approval_id": approval_id,
                                "tool": approval.tool, "invocation_id": approval.invocation_id})
        await events.append(conn, approval.run_id, "approval.decided", {
            "run_id": approval.run_id, "approval_id": approval_id, "invocation_id": approval.invocation_id,
            "tool": approval.tool, "status": status, "note": decided.note}, key=f"approval-decided:{approval_id}")
        resume = await repo.resume_run(conn, approval.run_id)
    return view(decided), resume
