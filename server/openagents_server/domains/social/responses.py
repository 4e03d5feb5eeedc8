"""Response bodies of the social routes (each wrapped in ``Data[...]``)."""

from __future__ import annotations

from msgspec import Struct


class Person(Struct):
    id: str
    #: The person's chosen name, or a stable handle derived from the id (emails are never shown).
    display_name: str


class Shout(Struct):
    id: str
    #: Position on the public feed (``feed:public`` seq): the keyset cursor and the live order.
    seq: int
    zone: str
    #: Plain text; HTML is not interpreted (a client renders it as text and links URLs).
    text: str
    author: Person
    created_at: str
    #: Hidden by an administrator (ADR 0702): only its author still gets it, marked so.
    hidden: bool = False


class ShoutPage(Struct):
    """Newest first. ``next_before``: pass as ``before`` for older shouts (null at the end).
    ``next_after``: pass as ``after`` for shouts newer than this page; ``has_newer`` says whether
    more than this page were waiting. ``watermark``: the ``feed:public`` seq this page reflects (on
    pages without ``before``): a live reader subscribes resuming after it, so nothing the page holds
    is replayed and nothing newer is missed."""

    shouts: list[Shout]
    next_before: int | None
    next_after: int | None
    has_newer: bool
    watermark: int | None = None


class Zone(Struct):
    zone: str
    label: str
    shout_count: int


class ZoneList(Struct):
    zones: list[Zone]
    default_zone: str


class Whisper(Struct):
    id: str
    n: int
    sender: Person
    recipient: Person
    text: str
    created_at: str
    read_at: str | None


class WhisperPage(Struct):
    """Newest first; ``next_before`` pages to older whispers. ``unread_count``: whispers to me unread."""

    whispers: list[Whisper]
    next_before: int | None
    unread_count: int


class Conversation(Struct):
    person: Person
    last_whisper: Whisper
    unread_count: int


class ConversationList(Struct):
    conversations: list[Conversation]
    unread_count: int


class Block(Struct):
    person: Person
    created_at: str


class BlockList(Struct):
    blocks: list[Block]


class Unblocked(Struct):
    user_id: str
    was_blocked: bool


class Report(Struct):
    id: str
    shout_id: str
    reason: str | None
    created_at: str


class ReportedShout(Struct):
    """A report as an administrator reviews it: the shout, who reported it, why, and its resolution."""

    id: str
    #: Position in the review queue (``before`` cursor).
    n: int
    shout: Shout
    reporter: Person
    reason: str | None
    created_at: str
    #: How many people reported this shout.
    reports_on_shout: int
    #: null while open; ``dismissed`` or ``actioned`` once an administrator resolved it.
    resolution: str | None
    resolution_note: str | None
    resolved_at: str | None
    resolved_by: str | None


class ReportQueue(Struct):
    """Newest first; ``next_before`` pages to older reports (null at the end)."""

    reports: list[ReportedShout]
    next_before: int | None
    open_count: int
