"""This node's sockets, indexed by session and user, and what revocation does to them.

A revoked session's sockets are closed with ``reauth_required``. Revocations that arrived while the
notification bus was down are found in ``khala_revoked_sessions`` when it is back (:meth:`recheck`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import asyncpg

from openagents_server.khala import codes
from openagents_server.khala.codes import KhalaClose


class Socket(Protocol):
    """What the index needs of a connection."""

    session_id: str | None
    user_id: str | None

    def terminate(self, close: KhalaClose) -> None: ...


class SocketIndex:
    def __init__(self) -> None:
        self.all: set[Socket] = set()
        self.by_session: dict[str, set[Socket]] = {}
        self.by_user: dict[str, set[Socket]] = {}

    def add(self, sock: Socket, session_id: str, user_id: str) -> None:
        self.all.add(sock)
        self.by_session.setdefault(session_id, set()).add(sock)
        self.by_user.setdefault(user_id, set()).add(sock)

    def remove(self, sock: Socket) -> None:
        self.all.discard(sock)
        for index, key in ((self.by_session, sock.session_id), (self.by_user, sock.user_id)):
            if key is not None and key in index:
                index[key].discard(sock)
                if not index[key]:
                    del index[key]

    def revoke(self, session_ids: Sequence[str]) -> None:
        for session_id in session_ids:
            for sock in list(self.by_session.get(session_id, ())):
                sock.terminate(KhalaClose(codes.REAUTH_REQUIRED, "session was revoked", reason="session_revoked",
                                          field="sync_token"))

    async def recheck(self, pool: asyncpg.Pool) -> None:
        """After the bus reconnects, revocations sent meanwhile are found in the table."""
        if not self.by_session:
            return
        rows = await pool.fetch(
            "SELECT session_id FROM khala_revoked_sessions WHERE session_id = ANY($1::text[])",
            list(self.by_session),
        )
        self.revoke([r[0] for r in rows])

    def terminate_all(self, close: KhalaClose) -> None:
        for sock in list(self.all):
            sock.terminate(close)
