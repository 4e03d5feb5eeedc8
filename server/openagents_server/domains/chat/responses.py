"""Legacy shapes of ``/api/chats*`` reads (conversation = Codex thread)."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class Conversation(Struct):
    id: str
    title: str
    worker_id: str
    message_count: int
    created_at: str
    updated_at: str


class ConversationList(Struct):
    conversations: list[Conversation]


class ChatMessage(Struct):
    id: str
    role: str
    content: str
    status: str
    run_id: str
    created_at: str


class MessageList(Struct):
    conversation_id: str
    messages: list[ChatMessage]


class ChatRun(Struct):
    id: str
    status: str
    reason_class: str
    created_at: str | None
    updated_at: str | None


class RunList(Struct):
    conversation_id: str
    runs: list[ChatRun]


class RunEvent(Struct):
    seq: int
    type: str
    payload: dict[str, Any]
    payload_hash: str


class RunEventList(Struct):
    conversation_id: str
    run_id: str
    events: list[RunEvent]
