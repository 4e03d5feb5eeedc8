"""Khala topics the social domain appends to, and their payloads.

* Shouts go to the one public feed topic ``feed:public`` (class ``feed``; any public sync token may
  read it). One topic rather than one per zone: a reader watches one subscription and filters by
  ``zone``; a shout is appended once.
* Whispers go to the sender's and the recipient's ``user:{id}:notifications`` topics: every
  signed-in shell already subscribes to that topic (it is in a user's default sync token), so the
  unread badge needs no new subscription, and only its owner can read it.
"""

from __future__ import annotations

import asyncpg
import msgspec

from openagents_server.domains.social.responses import Shout, Whisper
from openagents_server.errors import RateLimited
from openagents_server.khala import log

FEED_TOPIC = "feed:public"
SHOUT_CREATED = "shout.created"
#: An administrator hid the shout (ADR 0702); same ``doc_key`` as its ``shout.created``, so a snapshot
#: of the topic holds the hidden version.
SHOUT_HIDDEN = "shout.hidden"
WHISPER_CREATED = "whisper.created"
WHISPER_READ = "whisper.read"


def user_topic(user_id: str) -> str:
    return f"user:{user_id}:notifications"


async def shout_created(conn: asyncpg.Connection, shout: Shout) -> int:
    """Append the shout to the feed in the caller's transaction; returns its seq (the shout's order).

    The payload is the shout without ``seq`` (the update's own seq on ``feed:public`` is the shout's)
    and without ``hidden``.
    """
    payload = msgspec.to_builtins(shout)
    payload.pop("seq", None)
    payload.pop("hidden", None)  # a new shout never is; only ``shout.hidden`` carries the flag
    try:
        appended = await log.append(conn, FEED_TOPIC, doc_key=shout.id, payload=payload, kind=SHOUT_CREATED)
    except log.AppendError as exc:
        if exc.kind is not RateLimited:
            raise
        # The whole feed is over its publish rate (topic class ``feed``): the poster retries in a second.
        raise RateLimited("feed_busy", "The feed is busy; try again in a moment.", retry_after=1) from None
    return appended.seq


async def feed_head(conn: asyncpg.Connection) -> int:
    """The feed's head seq now: read *before* a page, it is the watermark the page reflects (seqs
    become visible in order, so every shout at or below it is already visible to the page's read)."""
    state = (await log.topic_states(conn, [FEED_TOPIC])).get(FEED_TOPIC)
    return state.head if state is not None else 0


async def shout_hidden(conn: asyncpg.Connection, shout: Shout) -> int:
    """``shout.hidden`` on the feed in the caller's transaction: the shout (``hidden: true``, its own
    ``seq`` kept), so open feeds drop it by id."""
    appended = await log.append(conn, FEED_TOPIC, doc_key=shout.id, payload=msgspec.to_builtins(shout),
                                kind=SHOUT_HIDDEN)
    return appended.seq


async def whisper_changed(conn: asyncpg.Connection, whisper: Whisper, kind: str) -> None:
    """``whisper.created`` / ``whisper.read`` to both people's notification topics."""
    payload = msgspec.to_builtins(whisper)
    for user_id in dict.fromkeys((whisper.recipient.id, whisper.sender.id)):
        await log.append(conn, user_topic(user_id), doc_key=f"whisper:{whisper.id}", payload=payload, kind=kind)
