"""Security notifications on ``user:{id}:notifications`` (issue 19): a new sign-in, sessions signed
out, a personal access token created or revoked.

Appended in the caller's transaction (the outbox rule), so the notification exists exactly when the
change does. A notification never blocks the change it reports: a refused append (the topic over its
rate) is logged and dropped — inside a savepoint, so the caller's transaction stays usable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from openagents_server.domains.identity.credentials import new_id
from openagents_server.khala import log

_log = structlog.get_logger("openagents.identity.security_events")

SIGN_IN = "security.sign_in"
SESSIONS_REVOKED = "security.sessions_revoked"
TOKEN_CREATED = "security.token_created"
TOKEN_REVOKED = "security.token_revoked"

_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"),
             ("curl/", "curl"), ("python-httpx", "Python"), ("okhttp", "Android app"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"), ("CrOS", "ChromeOS"))


def topic(user_id: str) -> str:
    return f"user:{user_id}:notifications"


def approximate_client(user_agent: str | None) -> str:
    """"Chrome on Linux" from a user agent: enough to recognise a device, nothing more."""
    agent = user_agent or ""
    browser = next((name for needle, name in _BROWSERS if needle in agent), None)
    system = next((name for needle, name in _SYSTEMS if needle in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.split(r"[/ ]", agent, maxsplit=1)[0][:40] if agent else "an unknown client")


def _network(ip_address: str | None) -> str | None:
    """The address's network, not the address: ``203.0.113.x`` / ``2001:db8:…``."""
    if not ip_address:
        return None
    if "." in ip_address:
        return ".".join(ip_address.split(".")[:3]) + ".x"
    return ":".join(ip_address.split(":")[:3]) + ":…"


async def notify(conn: asyncpg.Connection, user_id: str, kind: str, title: str, **details: Any) -> None:
    payload = {"kind": kind, "title": title, "at": datetime.now(UTC).isoformat(), **details}
    try:
        async with conn.transaction():
            await log.append(conn, topic(user_id), doc_key=new_id("sec"), payload=payload, kind=kind)
    except log.AppendError as exc:
        _log.warning("security_notification_dropped", user_id=user_id, kind=kind, reason=str(exc))


async def signed_in(conn: asyncpg.Connection, user_id: str, session_id: str, client_kind: str,
                    user_agent: str | None, ip_address: str | None) -> None:
    client = approximate_client(user_agent)
    await notify(conn, user_id, SIGN_IN, f"New sign-in: {client}", session_id=session_id, client=client,
                 client_kind=client_kind, network=_network(ip_address))


async def sessions_revoked(conn: asyncpg.Connection, user_id: str, session_ids: list[str]) -> None:
    n = len(session_ids)
    await notify(conn, user_id, SESSIONS_REVOKED, f"{n} session{'s' if n != 1 else ''} signed out",
                 session_ids=session_ids)


async def token_created(conn: asyncpg.Connection, user_id: str, token_id: str, name: str) -> None:
    await notify(conn, user_id, TOKEN_CREATED, f"Access token “{name}” created", token_id=token_id)


async def tokens_revoked(conn: asyncpg.Connection, user_id: str, token_ids: list[str]) -> None:
    n = len(token_ids)
    await notify(conn, user_id, TOKEN_REVOKED, f"{n} access token{'s' if n != 1 else ''} revoked",
                 token_ids=token_ids)
