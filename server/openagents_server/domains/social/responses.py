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


class ShoutPage(Struct):
    """Newest first. ``next_before``: pass as ``before`` for older shouts (null at the end).
    ``next_after``: pass as ``after`` for shouts newer than this page; ``has_newer`` says whether
    more than this page were waiting."""

    shouts: list[Shout]
    next_before: int | None
    next_after: int | None
    has_newer: bool


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
