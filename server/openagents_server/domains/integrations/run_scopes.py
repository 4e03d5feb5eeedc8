"""Which person owns a run and which integrations its policy allows: the runtime's answer, behind an
interface, so the secret fetch does not depend on how the runtime stores runs.

The runtime implementation asks the runtime domain's service (``run_scope``): the run's owner, its
status and the providers its policy allows (``policy -> 'integrations'``, a JSON array such as
``["resend"]``, set by autopilots when they start a run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import asyncpg

from openagents_server.domains.runtime import service as runtime_service

#: Runs in these states may not fetch secrets any more.
FINISHED = frozenset({"completed", "succeeded", "failed", "canceled", "cancelled", "expired"})


@dataclass(frozen=True, slots=True)
class RunScope:
    run_id: str
    user_id: str
    integrations: frozenset[str]
    status: str | None = None

    @property
    def finished(self) -> bool:
        return (self.status or "") in FINISHED


class RunScopes(Protocol):
    async def scope(self, conn: asyncpg.Connection, run_id: str) -> RunScope | None: ...


class PostgresRunScopes:
    async def scope(self, conn: asyncpg.Connection, run_id: str) -> RunScope | None:
        row = await runtime_service.run_scope(conn, run_id)
        if row is None:
            return None
        return RunScope(run_id, row.user_id, frozenset(row.integrations), row.status)
