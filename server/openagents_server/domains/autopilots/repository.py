"""SQL of autopilots, profiles, threads, messages and runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

Conn = asyncpg.Connection | asyncpg.Pool


class ProfileRecord(msgspec.Struct, frozen=True):
    """A row of ``autopilot_profiles``: a person's defaults for new autopilots."""

    user_id: str
    model: str
    instructions: str
    tool_policy: dict[str, str]
    version: int
    updated_at: datetime


class AutopilotRecord(msgspec.Struct, frozen=True):
    """A row of ``autopilots``."""

    id: str
    owner_user_id: str
    org_id: str | None
    name: str
    instructions: str
    model: str
    tool_policy: dict[str, str]
    skills: list[dict[str, str]]
    version: int
    created_at: datetime
    updated_at: datetime


class VisibleAutopilot(AutopilotRecord, frozen=True):
    """An autopilot the caller may see, with their role in its org (None: they own it, no org)."""

    member_role: str | None


class ThreadRecord(msgspec.Struct, frozen=True):
    """A row of ``autopilot_threads``."""

    id: str
    autopilot_id: str
    user_id: str
    title: str
    created_at: datetime
    updated_at: datetime


class MessageRecord(msgspec.Struct, frozen=True):
    role: str
    content: str
    run_id: str | None


class RunRecord(msgspec.Struct, frozen=True):
    """A row of ``autopilot_runs``."""

    id: str
    autopilot_id: str
    thread_id: str
    user_id: str
    client_run_id: str | None
    adapter: str
    status: str
    reason_class: str | None
    context_hash: str | None
    receipt: bytes | None
    receipt_hash: str | None
    created_at: datetime
    updated_at: datetime
    heartbeat_at: datetime | None


class ApprovalRecord(msgspec.Struct, frozen=True):
    """A row of ``autopilot_approvals``: one tool call waiting for (or given) the owner's decision."""

    id: str
    run_id: str
    autopilot_id: str
    owner_user_id: str
    user_id: str
    call_id: str
    invocation_id: str
    tool: str
    arguments: dict[str, Any]
    status: str
    note: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


_PROFILE = ", ".join(ProfileRecord.__struct_fields__)
_AUTOPILOT = ", ".join(AutopilotRecord.__struct_fields__)
_THREAD = ", ".join(ThreadRecord.__struct_fields__)
_MESSAGE = ", ".join(MessageRecord.__struct_fields__)
_RUN = ", ".join(RunRecord.__struct_fields__)
_APPROVAL = ", ".join(ApprovalRecord.__struct_fields__)


async def profile(conn: Conn, user_id: str) -> ProfileRecord | None:
    row = await conn.fetchrow(f"SELECT {_PROFILE} FROM autopilot_profiles WHERE user_id = $1", user_id)
    return None if row is None else ProfileRecord(*row)


async def insert_profile(conn: Conn, user_id: str, model: str, instructions: str, tool_policy: dict[str, str]) -> None:
    await conn.execute("""INSERT INTO autopilot_profiles (user_id, model, instructions, tool_policy)
                          VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""", user_id, model, instructions, tool_policy)


async def update_profile(conn: Conn, user_id: str, version: int, changes: dict[str, Any]) -> ProfileRecord | None:
    sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(changes, start=3))
    row = await conn.fetchrow(
        f"""UPDATE autopilot_profiles SET {sets}{',' if sets else ''} version = version + 1, updated_at = now()
            WHERE user_id = $1 AND version = $2 RETURNING {_PROFILE}""", user_id, version, *changes.values())
    return None if row is None else ProfileRecord(*row)


async def insert(conn: Conn, autopilot_id: str, owner: str, org_id: str | None, name: str, instructions: str,
                 model: str, tool_policy: dict[str, str], skills: list[dict[str, str]]) -> AutopilotRecord:
    row = await conn.fetchrow(
        f"""INSERT INTO autopilots (id, owner_user_id, org_id, name, instructions, model, tool_policy, skills)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_AUTOPILOT}""",
        autopilot_id, owner, org_id, name, instructions, model, tool_policy, skills)
    return AutopilotRecord(*row)


async def get(conn: Conn, autopilot_id: str) -> AutopilotRecord | None:
    row = await conn.fetchrow(f"SELECT {_AUTOPILOT} FROM autopilots WHERE id = $1", autopilot_id)
    return None if row is None else AutopilotRecord(*row)


async def visible(conn: Conn, user_id: str, limit: int) -> list[VisibleAutopilot]:
    """The caller's own autopilots and those shared with an org they belong to."""
    columns = ", ".join(f"a.{name}" for name in AutopilotRecord.__struct_fields__)
    rows = await conn.fetch(
        f"""SELECT {columns}, m.role AS member_role FROM autopilots a
            LEFT JOIN org_memberships m ON m.org_id = a.org_id AND m.user_id = $1
            WHERE a.owner_user_id = $1 OR m.user_id IS NOT NULL
            ORDER BY a.created_at DESC, a.id LIMIT $2""", user_id, limit)
    return [VisibleAutopilot(*r) for r in rows]


async def update(conn: Conn, autopilot_id: str, version: int, changes: dict[str, Any]) -> AutopilotRecord | None:
    """Apply ``changes`` only if the row is still at ``version`` (None: someone else wrote first)."""
    sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(changes, start=3))
    row = await conn.fetchrow(
        f"""UPDATE autopilots SET {sets}{',' if sets else ''} version = version + 1, updated_at = now()
            WHERE id = $1 AND version = $2 RETURNING {_AUTOPILOT}""", autopilot_id, version, *changes.values())
    return None if row is None else AutopilotRecord(*row)


async def insert_thread(conn: Conn, thread_id: str, autopilot_id: str, user_id: str, title: str) -> ThreadRecord:
    row = await conn.fetchrow(
        f"INSERT INTO autopilot_threads (id, autopilot_id, user_id, title) VALUES ($1, $2, $3, $4) RETURNING {_THREAD}",
        thread_id, autopilot_id, user_id, title)
    return ThreadRecord(*row)


async def thread(conn: Conn, thread_id: str) -> ThreadRecord | None:
    row = await conn.fetchrow(f"SELECT {_THREAD} FROM autopilot_threads WHERE id = $1", thread_id)
    return None if row is None else ThreadRecord(*row)


async def threads(conn: Conn, autopilot_id: str, user_id: str, limit: int) -> list[ThreadRecord]:
    rows = await conn.fetch(
        f"""SELECT {_THREAD} FROM autopilot_threads WHERE autopilot_id = $1 AND user_id = $2
            ORDER BY updated_at DESC, id LIMIT $3""", autopilot_id, user_id, limit)
    return [ThreadRecord(*r) for r in rows]


async def insert_message(conn: Conn, thread_id: str, run_id: str | None, role: str, content: str) -> None:
    await conn.execute("INSERT INTO autopilot_messages (thread_id, run_id, role, content) VALUES ($1, $2, $3, $4)",
                       thread_id, run_id, role, content)
    await conn.execute("UPDATE autopilot_threads SET updated_at = now() WHERE id = $1", thread_id)


async def messages(conn: Conn, thread_id: str, limit: int = 2000) -> list[MessageRecord]:
    """The thread's messages, oldest first (the last ``limit``)."""
    rows = await conn.fetch(f"""SELECT {_MESSAGE} FROM autopilot_messages WHERE thread_id = $1
                                ORDER BY n DESC LIMIT $2""", thread_id, limit)
    return [MessageRecord(*r) for r in reversed(rows)]


async def insert_run(conn: Conn, run_id: str, autopilot_id: str, thread_id: str, user_id: str,
                     client_run_id: str | None, adapter: str) -> RunRecord | None:
    row = await conn.fetchrow(
        f"""INSERT INTO autopilot_runs (id, autopilot_id, thread_id, user_id, client_run_id, adapter, status)
            VALUES ($1, $2, $3, $4, $5, $6, 'created') ON CONFLICT (user_id, client_run_id) DO NOTHING
            RETURNING {_RUN}""",
        run_id, autopilot_id, thread_id, user_id, client_run_id, adapter)
    return None if row is None else RunRecord(*row)


async def run_by_client_id(conn: Conn, user_id: str, client_run_id: str) -> RunRecord | None:
    row = await conn.fetchrow(f"SELECT {_RUN} FROM autopilot_runs WHERE user_id = $1 AND client_run_id = $2",
                              user_id, client_run_id)
    return None if row is None else RunRecord(*row)


async def run(conn: Conn, run_id: str) -> RunRecord | None:
    row = await conn.fetchrow(f"SELECT {_RUN} FROM autopilot_runs WHERE id = $1", run_id)
    return None if row is None else RunRecord(*row)


async def set_run(conn: Conn, run_id: str, status: str, reason: str | None = None, context_hash: str | None = None,
                  receipt: bytes | None = None, receipt_hash: str | None = None) -> RunRecord:
    row = await conn.fetchrow(
        f"""UPDATE autopilot_runs SET status = $2, reason_class = coalesce($3, reason_class),
                   context_hash = coalesce($4, context_hash), receipt = coalesce($5, receipt),
                   receipt_hash = coalesce($6, receipt_hash), updated_at = now(),
                   heartbeat_at = CASE WHEN $2 = 'running' THEN now() ELSE heartbeat_at END
            WHERE id = $1 RETURNING {_RUN}""", run_id, status, reason, context_hash, receipt, receipt_hash)
    return RunRecord(*row)


async def open_runs(conn: Conn) -> list[str]:
    """The ids of runs not finished yet."""
    return [r[0] for r in await conn.fetch("SELECT id FROM autopilot_runs WHERE status IN ('created', 'running')")]


async def runs_of_thread(conn: Conn, thread_id: str, limit: int) -> list[RunRecord]:
    rows = await conn.fetch(f"""SELECT {_RUN} FROM autopilot_runs WHERE thread_id = $1 ORDER BY created_at DESC, id
                                LIMIT $2""", thread_id, limit)
    return [RunRecord(*r) for r in reversed(rows)]


# -- approvals and leases (migration 0801) ---------------------------------------------------------

async def insert_approval(conn: Conn, approval_id: str, run: RunRecord, owner_user_id: str, call_id: str,
                          invocation_id: str, tool: str, arguments: dict[str, Any]) -> ApprovalRecord:
    """The pending approval of one call (again for the same call: the existing row)."""
    row = await conn.fetchrow(
        f"""INSERT INTO autopilot_approvals (id, run_id, autopilot_id, owner_user_id, user_id, call_id, invocation_id,
                                             tool, arguments)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (run_id, invocation_id) DO NOTHING
            RETURNING {_APPROVAL}""",
        approval_id, run.id, run.autopilot_id, owner_user_id, run.user_id, call_id, invocation_id, tool,
        arguments)
    if row is None:
        row = await conn.fetchrow(f"SELECT {_APPROVAL} FROM autopilot_approvals WHERE run_id = $1 AND invocation_id = $2",
                                  run.id, invocation_id)
    return ApprovalRecord(*row)


async def approval_for_update(conn: asyncpg.Connection, approval_id: str) -> ApprovalRecord | None:
    row = await conn.fetchrow(f"SELECT {_APPROVAL} FROM autopilot_approvals WHERE id = $1 FOR UPDATE", approval_id)
    return None if row is None else ApprovalRecord(*row)


async def decide_approval(conn: asyncpg.Connection, approval_id: str, status: str, user_id: str,
                          note: str) -> ApprovalRecord:
    row = await conn.fetchrow(
        f"""UPDATE autopilot_approvals SET status = $2, decided_by = $3, note = $4, decided_at = now()
            WHERE id = $1 RETURNING {_APPROVAL}""", approval_id, status, user_id, note)
    return ApprovalRecord(*row)


async def approvals_of_run(conn: Conn, run_id: str) -> list[ApprovalRecord]:
    rows = await conn.fetch(f"SELECT {_APPROVAL} FROM autopilot_approvals WHERE run_id = $1 ORDER BY created_at, id",
                            run_id)
    return [ApprovalRecord(*r) for r in rows]


async def pending_approvals(conn: Conn, autopilot_id: str, limit: int) -> list[ApprovalRecord]:
    rows = await conn.fetch(f"""SELECT {_APPROVAL} FROM autopilot_approvals WHERE autopilot_id = $1 AND status = 'pending'
                                ORDER BY created_at, id LIMIT $2""", autopilot_id, limit)
    return [ApprovalRecord(*r) for r in rows]


async def resume_run(conn: Conn, run_id: str) -> bool:
    """``waiting`` → ``running`` once no approval of the run is pending; True for the one caller that did it."""
    return await conn.fetchval(
        """UPDATE autopilot_runs r SET status = 'running', heartbeat_at = now(), updated_at = now()
           WHERE r.id = $1 AND r.status = 'waiting'
             AND NOT EXISTS (SELECT 1 FROM autopilot_approvals a WHERE a.run_id = r.id AND a.status = 'pending')
           RETURNING true""", run_id) is True


async def heartbeat(conn: Conn, run_ids: list[str]) -> None:
    await conn.execute("""UPDATE autopilot_runs SET heartbeat_at = now()
                          WHERE id = ANY($1::text[]) AND status IN ('created', 'running')""", run_ids)


async def abandoned_runs(conn: Conn, older_than_seconds: float, exclude: list[str]) -> list[str]:
    """Runs still ``created``/``running`` whose lease (heartbeat, else last change) is older than the bound."""
    rows = await conn.fetch(
        """SELECT id FROM autopilot_runs
           WHERE status IN ('created', 'running') AND coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => $1)
             AND NOT (id = ANY($2::text[]))
           ORDER BY coalesce(heartbeat_at, updated_at) LIMIT 500""", older_than_seconds, exclude)
    return [r[0] for r in rows]


async def claim_abandoned(conn: asyncpg.Connection, run_id: str, older_than_seconds: float) -> RunRecord | None:
    """Lock the run if it is still open and still past its lease (a live process renewing it wins)."""
    row = await conn.fetchrow(
        f"""SELECT {_RUN} FROM autopilot_runs WHERE id = $1 AND status IN ('created', 'running')
              AND coalesce(heartbeat_at, updated_at) < now() - make_interval(secs => $2)
            FOR UPDATE SKIP LOCKED""", run_id, older_than_seconds)
    return None if row is None else RunRecord(*row)
