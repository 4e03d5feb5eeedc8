"""Who is calling: the result of authenticating one request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

#: PAT abilities (anchor: Sanctum abilities). ``*`` grants every ability below.
#: ``social:write``: post shouts, send and read-mark whispers, block, report (issue 21).
ABILITIES = frozenset({
    "*", "profile:read", "profile:write", "tokens:read", "orgs:read", "policy:authorize", "sync:token",
    "social:write",
    # Codex workers, runs and threads (issue 20): a worker's token needs ``runtime:write`` and
    # ``sync:token``, never ``*``; ``runtime:read`` is a read-only view of the same resources.
    "runtime:read", "runtime:write",
})
#: Abilities that grant others: writing the runtime includes reading it.
IMPLIED: dict[str, frozenset[str]] = {"runtime:read": frozenset({"runtime:write"})}


@dataclass(frozen=True, slots=True)
class AuthContext:
    user_id: str
    email: str
    name: str | None
    kind: Literal["session", "pat"]
    #: True when the credential came from the session cookie (mutations then need the CSRF header).
    via_cookie: bool = False
    session_id: str | None = None
    device_id: str | None = None
    client_kind: str | None = None
    active_org_id: str | None = None
    token_id: str | None = None
    abilities: tuple[str, ...] = ()
    #: The user's org memberships as read with the credential (JSON objects, default org first).
    memberships: tuple[dict[str, Any], ...] = ()
    #: A platform administrator (``admin.is_admin``), decided once when the credential is resolved.
    admin: bool = False

    def can(self, ability: str) -> bool:
        """Sessions can do everything a user can; PATs only what their abilities name."""
        if self.kind == "session" or "*" in self.abilities or ability in self.abilities:
            return True
        return any(a in self.abilities for a in IMPLIED.get(ability, ()))

    @property
    def credential_id(self) -> str:
        """The id Khala binds sync tokens to: the session, or the PAT for token-based clients."""
        return self.session_id or self.token_id or ""
