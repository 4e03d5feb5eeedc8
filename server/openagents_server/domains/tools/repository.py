"""SQL of tool invocations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec


class InvocationRecord(msgspec.Struct, frozen=True):
    """A row of ``tool_invocations``; ``receipt`` and ``receipt_hash`` are None while it is ``pending``."""

    user_id: str
    invocation_id: str
    run_id: str | None
    tool: str
    arguments: dict[str, Any]
    mode: str
    replay_of: str | None
    decision: str
    reason_code: str
    status: str
    result: dict[str, Any] | None
    error: dict[str, str] | None
    receipt: bytes | None
    receipt_hash: str | None
    run_seq: int | None
    created_at: datetime


_COLUMNS = ", ".join(InvocationRecord.__struct_fields__)


async def reserve(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, invocation_id: str, run_id: str | None,
                  tool: str, arguments: dict[str, Any], mode: str, replay_of: str | None, decision: str,
                  reason_code: str) -> bool:
    """Claim the invocation id (status ``pending``); False when it was already used."""
    row = await conn.fetchval(
        """INSERT INTO tool_invocations (user_id, invocation_id, run_id, tool, arguments, mode, replay_of, decision,
                                         reason_code, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')
           ON CONFLICT (user_id, invocation_id) DO NOTHING RETURNING 1""",
        user_id, invocation_id, run_id, tool, arguments, mode, replay_of, decision, reason_code)
    return row is not None


async def finish(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, invocation_id: str, decision: str,
                 reason_code: str, status: str, result: dict[str, Any] | None, error: dict[str, str] | None,
                 receipt: bytes, receipt_hash: str, run_seq: int | None) -> None:
    await conn.execute(
        """UPDATE tool_invocations SET decision = $3, reason_code = $4, status = $5, result = $6, error = $7,
                  receipt = $8, receipt_hash = $9, run_seq = $10
           WHERE user_id = $1 AND invocation_id = $2""",
        user_id, invocation_id, decision, reason_code, status, result, error, receipt, receipt_hash, run_seq)


async def release(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, invocation_id: str) -> None:
    """Forget a pending claim whose execution crashed, so the id can be tried again."""
    await conn.execute("DELETE FROM tool_invocations WHERE user_id = $1 AND invocation_id = $2 AND status = 'pending'",
                       user_id, invocation_id)


async def get(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, invocation_id: str) -> InvocationRecord | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM tool_invocations WHERE user_id = $1 AND invocation_id = $2",
                              user_id, invocation_id)
    return None if row is None else InvocationRecord(*row)


async def for_run(conn: asyncpg.Connection | asyncpg.Pool, run_id: str) -> list[InvocationRecord]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM tool_invocations WHERE run_id = $1 AND mode = 'live' "
                            "ORDER BY created_at, invocation_id", run_id)
    return [InvocationRecord(*r) for r in rows]


async def insert_done(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, invocation_id: str, run_id: str | None,
                      tool: str, arguments: dict[str, Any], mode: str, replay_of: str | None, decision: str,
                      reason_code: str, status: str, result: dict[str, Any] | None, error: dict[str, str] | None,
                      receipt: bytes, receipt_hash: str, run_seq: int | None) -> bool:
    """Record a finished invocation in one statement; False when the id was already used."""
    row = await conn.fetchval(
        """INSERT INTO tool_invocations (user_id, invocation_id, run_id, tool, arguments, mode, replay_of, decision,
                                         reason_code, status, result, error, receipt, receipt_hash, run_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           ON CONFLICT (user_id, invocation_id) DO NOTHING RETURNING 1""",
        user_id, invocation_id, run_id, tool, arguments, mode, replay_of, decision, reason_code, status, result, error,
        receipt, receipt_hash, run_seq)
    return row is not None
