"""What the integrations domain appends to Khala: the owner's notifications topic."""

from __future__ import annotations

from typing import Any

import asyncpg

from openagents_server.khala import log


def topic(user_id: str) -> str:
    return f"user:{user_id}:notifications"


DELIVERY = "integrations.delivery"


async def delivery_changed(conn: asyncpg.Connection, user_id: str, delivery: dict[str, Any]) -> None:
    """An email's delivery state moved (sent → delivered …); the settings page shows it live."""
    await log.append(conn, topic(user_id), doc_key=f"email:{delivery['message_id']}", kind=DELIVERY,
                     payload={"type": DELIVERY, **delivery})


def delivery_event(user_id: str, delivery: dict[str, Any]) -> log.Prepared:
    """The same event, prepared for a caller that appends it inside its own statement (webhooks)."""
    return log.prepare(topic(user_id), doc_key=f"email:{delivery['message_id']}", kind=DELIVERY,
                       payload={"type": DELIVERY, **delivery})


async def connection_changed(conn: asyncpg.Connection, user_id: str, provider: str, connected: bool) -> None:
    await log.append(conn, topic(user_id), doc_key=f"integration:{provider}", kind="integrations.connection",
                     payload={"type": "integrations.connection", "provider": provider, "connected": connected})
