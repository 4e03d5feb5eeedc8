"""The request and response shapes the shell's pages use (the server's OpenAPI names; unknown fields ignored)."""

from __future__ import annotations

from typing import Any

import msgspec


class EmailRequest(msgspec.Struct):
    email: str


class VerifyRequest(msgspec.Struct, omit_defaults=True):
    email: str
    code: str
    challenge_id: str | None = None


class ChallengeSent(msgspec.Struct):
    challenge_id: str
    email_hint: str
    expires_at: str
    resend_allowed: bool


class SignedUser(msgspec.Struct):
    id: str
    email: str
    name: str | None = None


class SignedIn(msgspec.Struct):
    new_user: bool
    user: SignedUser


class Profile(msgspec.Struct):
    id: str
    email: str
    name: str | None
    updated_at: str


class ProfileUpdate(msgspec.Struct):
    name: str


# ---- autopilots (issue 22) --------------------------------------------------------------------
class ToolOption(msgspec.Struct):
    name: str
    description: str
    risk: str
    rule: str
    available: bool = True


class Autopilot(msgspec.Struct):
    id: str
    name: str
    instructions: str
    model: str
    version: int
    access: str
    tools: list[ToolOption]


class AutopilotList(msgspec.Struct):
    autopilots: list[Autopilot]


class AutopilotProfile(msgspec.Struct):
    model: str
    instructions: str
    version: int
    tools: list[ToolOption]


class Thread(msgspec.Struct):
    id: str
    title: str


class ThreadList(msgspec.Struct):
    threads: list[Thread]


class RunView(msgspec.Struct):
    run_id: str
    status: str
    events: list[dict[str, Any]]
    watermark: int


class ThreadDetail(msgspec.Struct):
    thread: Thread
    runs: list[RunView]


class RunAccepted(msgspec.Struct):
    run_id: str
    thread_id: str
    status: str


class GrantedTopic(msgspec.Struct):
    topic: str
    required_scope: str


class SyncToken(msgspec.Struct):
    """``POST /api/sync/token`` and ``/api/sync/public-token`` (the fields the Khala client reads)."""

    token: str
    expires_in_seconds: int
    subject: str
    granted_topics: list[GrantedTopic] = []


class SyncTokenRequest(msgspec.Struct, omit_defaults=True):
    topics: list[str] | None = None
    ttl_seconds: int | None = None


class SnapshotDocument(msgspec.Struct):
    doc_key: str
    doc_version: int | None
    seq: int
    kind: str
    payload: Any = None


class SnapshotPage(msgspec.Struct):
    """``GET /api/sync/snapshot?topic=…``: a page of the topic's projection and where to resume."""

    topic: str
    watermark: int
    documents: list[SnapshotDocument]
    next_cursor: str | None = None


class MeUser(msgspec.Struct):
    id: str
    email: str
    name: str | None = None


class Me(msgspec.Struct):
    user: MeUser
    is_admin: bool = False


class SessionRow(msgspec.Struct):
    session_id: str
    device_id: str
    client_kind: str
    status: str
    current: bool
    created_at: str | None = None
    last_refreshed_at: str | None = None
    user_agent: str | None = None
    ip_address: str | None = None


class SessionList(msgspec.Struct):
    sessions: list[SessionRow]


class RevokedSessions(msgspec.Struct):
    revoked_session_ids: list[str]
    current_session_revoked: bool


class LoggedOut(msgspec.Struct):
    revoked: bool
    session_id: str | None = None


class Token(msgspec.Struct):
    id: str
    name: str
    abilities: list[str]
    expires_at: str | None
    last_used_at: str | None
    created_at: str


class CreatedToken(Token):
    token: str


class TokenList(msgspec.Struct):
    tokens: list[Token]


class DeletedTokens(msgspec.Struct):
    deleted_token_ids: list[str]


#: ``Call.response`` names → the ``data`` type decoded (``core/`` names them by string: no msgspec at boot).
RESPONSES: dict[str, type] = {
    "challenge": ChallengeSent, "signed_in": SignedIn, "profile": Profile, "me": Me, "sessions": SessionList,
    "revoked_sessions": RevokedSessions, "logged_out": LoggedOut, "tokens": TokenList, "created_token": CreatedToken,
    "deleted_tokens": DeletedTokens,
}
