"""The Codex access policy (ADR 0603): who may chat, on which workers.

A person has Codex access when at least one worker *linked* to their account — registered by a
worker process that authenticated as them (``openagents worker run`` with their token) — uses an
adapter the deployment allows for chat (``Settings.chat_adapters``: ``codex`` only in production,
the seeds' "ChatGPT-backed Codex access required"; every adapter elsewhere). Requests that start or
continue a conversation (``thread/start``, ``thread/resume``, ``turn/start``) on a worker whose
adapter is not allowed are refused with 403 ``codex_access_required``; reads and ``turn/interrupt``
stay allowed (a person can always stop what runs on their worker and read what it said).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.runtime import repository as repo
from openagents_server.errors import Forbidden

#: Methods that start or continue a conversation: the policy applies to these.
CHAT_METHODS = frozenset({"thread/start", "thread/resume", "turn/start"})
CODE = "codex_access_required"


def refusal(adapter: str, allowed: Iterable[str]) -> Forbidden:
    allowed = tuple(allowed)
    return Forbidden(CODE, f"Chat needs a linked Codex worker with an allowed adapter ({', '.join(allowed)}); "
                           f"this worker uses {adapter!r}. Link one with `openagents worker run --adapter "
                           f"{allowed[0] if allowed else 'codex'}`.",
                     details={"adapter": adapter, "allowed_adapters": list(allowed), "link": "/workers"})


def check(method: str, adapter: str, allowed: Iterable[str] | None) -> None:
    """Raise 403 ``codex_access_required`` when ``method`` on a worker with ``adapter`` breaks the policy
    (``allowed`` None: no policy, for internal callers)."""
    if allowed is None or method not in CHAT_METHODS:
        return
    allowed = tuple(allowed)
    if adapter not in allowed:
        raise refusal(adapter, allowed)


async def state(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, allowed: Iterable[str]) -> dict[str, Any]:
    """What the chat page shows: allowed or not, and why (``linked``, ``no_worker``, ``adapter_not_allowed``)."""
    allowed = tuple(allowed)
    workers = await repo.workers_for_user(conn, auth.user_id, 1000)
    linked = [w.id for w in workers if w.adapter in allowed]
    reason = "linked" if linked else ("adapter_not_allowed" if workers else "no_worker")
    return {"allowed": bool(linked), "reason": reason, "allowed_adapters": list(allowed), "workers": len(workers),
            "linked_workers": linked[:100], "link_help": "/workers"}
