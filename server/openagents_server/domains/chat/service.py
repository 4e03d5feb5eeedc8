"""Legacy chat reads, mapped from the Codex thread read models; the retirement notice for writes."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.runtime import service as runtime
from openagents_server.errors import Gone, NotFound

#: Where the legacy lane's callers go now.
SUCCESSOR = "/api/runtime/codex/workers"
#: RFC 8594 ``Sunset``: the legacy reads stop answering after this date.
SUNSET = "Tue, 30 Jun 2026 00:00:00 GMT"
DEPRECATED_SINCE = "@1772323200"  # 2026-03-01T00:00:00Z, RFC 9745 form


def headers() -> dict[str, str]:
    return {"Deprecation": DEPRECATED_SINCE, "Sunset": SUNSET, "Link": f'<{SUCCESSOR}>; rel="successor-version"'}


def retired(replacement: str) -> Gone:
    return Gone("legacy_chat_retired",
                f"The legacy chat API is retired; use {replacement} (requests go to a Codex worker, replies stream over Khala).",
                details={"replacement": replacement})


def _iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


async def conversations(conn: asyncpg.Pool, auth: AuthContext) -> list[dict[str, Any]]:
    rows = await runtime.threads(conn, auth)
    return [{"id": r.id, "title": r.title, "worker_id": r.worker_id, "message_count": r.turn_count * 2,
             "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at)} for r in rows]


async def conversation(conn: asyncpg.Pool, auth: AuthContext, conversation_id: str) -> dict[str, Any]:
    r = await runtime.thread_for(conn, auth, conversation_id)
    return {"id": r.id, "title": r.title, "worker_id": r.worker_id, "message_count": r.turn_count * 2,
            "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at)}


async def messages(conn: asyncpg.Pool, auth: AuthContext, conversation_id: str) -> dict[str, Any]:
    await runtime.thread_for(conn, auth, conversation_id)
    rows = await runtime.messages(conn, conversation_id)
    return {"conversation_id": conversation_id, "messages": [
        {"id": r.item_id, "role": r.role, "content": r.text, "status": r.status, "run_id": r.run_id,
         "created_at": _iso(r.created_at)} for r in rows]}


async def runs(conn: asyncpg.Pool, auth: AuthContext, conversation_id: str) -> dict[str, Any]:
    await runtime.thread_for(conn, auth, conversation_id)
    return {"conversation_id": conversation_id, "runs": [
        {"id": r["run_id"], "status": r["status"], "reason_class": r["reason_class"], "created_at": r["created_at"],
         "updated_at": r["updated_at"]} for r in await runtime.thread_runs(conn, conversation_id)]}


async def run_events(conn: asyncpg.Pool, auth: AuthContext, conversation_id: str, run_id: str) -> dict[str, Any]:
    await runtime.thread_for(conn, auth, conversation_id)
    run = await runtime.get_run(conn, auth, run_id)
    if run["thread_id"] != conversation_id:
        raise NotFound("run_not_found", "No such run in this conversation.")
    return {"conversation_id": conversation_id, "run_id": run_id, "events": [
        {"seq": e.seq, "type": e.kind, "payload": json.loads(e.payload), "payload_hash": e.payload_hash}
        for e in await runtime.run_events(conn, run_id)]}
