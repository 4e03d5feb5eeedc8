"""Session revocation as Khala sees it: the seam between the control service and the gateway.

The control service calls :func:`revoke_sessions` inside the transaction that revokes the sessions.
The rows make reconnecting with a token of a revoked session fail; the NOTIFY (delivered by
PostgreSQL only after commit) tells every node to close that session's sockets with
``reauth_required``.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from openagents_proto.control.domain import RevokeReason

#: PostgreSQL channel every Khala node listens on for revocations.
REVOCATION_CHANNEL = "khala_revocations"


async def revoke_sessions(conn: asyncpg.Connection, session_ids: Sequence[str], reason: RevokeReason | str) -> None:
    """Record and announce the revocation; ``reason`` is one of the contract's ``RevokeReason``
    values (anything else raises ValueError: the reasons are defined once, in the contract)."""
    reason = RevokeReason(reason)
    if reason is RevokeReason.UNSPECIFIED:
        raise ValueError("a revocation states its reason")
    ids = sorted(set(session_ids))
    if not ids:
        return
    await conn.execute(
        """
        INSERT INTO khala_revoked_sessions (session_id, reason)
        SELECT unnest($1::text[]), $2
        ON CONFLICT (session_id) DO NOTHING
        """,
        ids, reason.value,
    )
    # NOTIFY payloads are limited to 8000 bytes: send ids in chunks.
    for start in range(0, len(ids), 100):
        await conn.execute("SELECT pg_notify($1, $2)", REVOCATION_CHANNEL, ",".join(ids[start:start + 100]))


async def is_revoked(conn: asyncpg.Connection | asyncpg.Pool, session_id: str) -> bool:
    """Whether sync tokens minted for ``session_id`` (a session, a PAT or a deleted user's) are refused."""
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM khala_revoked_sessions WHERE session_id = $1)", session_id,
    ))
