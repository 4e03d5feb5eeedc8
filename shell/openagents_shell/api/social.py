"""Response shapes of the social and integrations endpoints, as the shell's pages read them (the
server's OpenAPI names; unknown fields are ignored, so the server may add fields)."""

from __future__ import annotations

import msgspec


class Person(msgspec.Struct):
    id: str
    display_name: str


class Shout(msgspec.Struct):
    id: str
    seq: int
    zone: str
    text: str
    author: Person
    created_at: str
    hidden: bool = False  # hidden by an administrator: only its author gets it (ADR 0702)


class ShoutPage(msgspec.Struct):
    shouts: list[Shout]
    next_before: int | None
    next_after: int | None
    has_newer: bool
    watermark: int | None = None  # the feed:public seq the page reflects: the live resume point


class Zone(msgspec.Struct):
    zone: str
    label: str
    shout_count: int


class ZoneList(msgspec.Struct):
    zones: list[Zone]
    default_zone: str


class Whisper(msgspec.Struct):
    id: str
    n: int
    sender: Person
    recipient: Person
    text: str
    created_at: str
    read_at: str | None


class WhisperPage(msgspec.Struct):
    whispers: list[Whisper]
    next_before: int | None
    unread_count: int


class Conversation(msgspec.Struct):
    person: Person
    last_whisper: Whisper
    unread_count: int


class ConversationList(msgspec.Struct):
    conversations: list[Conversation]
    unread_count: int


class Block(msgspec.Struct):
    person: Person
    created_at: str


class BlockList(msgspec.Struct):
    blocks: list[Block]


class Unblocked(msgspec.Struct):
    user_id: str
    was_blocked: bool


class Report(msgspec.Struct):
    id: str
    shout_id: str


class ReportedShout(msgspec.Struct):
    """A report in the administrators' review queue (``/api/admin/social/reports``)."""

    id: str
    n: int
    shout: Shout
    reporter: Person
    reason: str | None
    created_at: str
    reports_on_shout: int
    resolution: str | None
    resolution_note: str | None = None


class ReportQueue(msgspec.Struct):
    reports: list[ReportedShout]
    next_before: int | None
    open_count: int


class Integration(msgspec.Struct):
    provider: str
    connected: bool
    account_label: str | None = None
    secret_hint: str | None = None
    scopes: list[str] = []
    connected_at: str | None = None
    last_used_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    token_expires_at: str | None = None


class Delivery(msgspec.Struct):
    message_id: str
    to: str
    subject: str
    state: str
    last_event_at: str | None
    created_at: str
    updated_at: str


class IntegrationsOverview(msgspec.Struct):
    integrations: list[Integration]
    deliveries: list[Delivery]
    topic: str
    google_available: bool


class Disconnected(msgspec.Struct):
    provider: str
    disconnected: bool
    revoked_at_provider: bool | None = None


class TestEmailSent(msgspec.Struct):
    message_id: str
    to: str
    state: str


class GoogleAuthorization(msgspec.Struct):
    authorize_url: str


class MeUser(msgspec.Struct):
    id: str


class Me(msgspec.Struct):
    """``GET /api/me``, the part the shell needs (the person's id names their notifications topic)."""

    user: MeUser


#: ``Call.response`` names → the struct its ``data`` decodes to (``entry.py`` looks them up here).
RESPONSES: dict[str, type] = {
    "shout": Shout, "shout_page": ShoutPage, "zones": ZoneList, "whisper": Whisper, "whisper_page": WhisperPage,
    "conversations": ConversationList, "integrations": IntegrationsOverview, "integration": Integration,
    "disconnected": Disconnected, "test_email": TestEmailSent, "google_authorize": GoogleAuthorization,
    "me": Me, "block_list": BlockList, "block": Block, "unblocked": Unblocked, "report": Report,
    "report_queue": ReportQueue, "reported_shout": ReportedShout,
}
