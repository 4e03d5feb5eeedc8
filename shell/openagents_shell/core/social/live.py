"""The live topics of the social pages (``sync/live.py``): ``feed:public`` for the feed, and the
person's notifications topic for the whispers pages and the nav's unread count. The handlers register
when this module loads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openagents_shell.core.social.feed import FEED_TOPIC, ShoutArrived, ShoutHidden, reduce_feed
from openagents_shell.core.social.whispers import WHISPERS, WhisperChanged, reduce_whispers, unread_call
from openagents_shell.sync import live


def user_topic(user_id: str) -> str:
    return f"user:{user_id}:notifications"


@live.on(FEED_TOPIC)
def _feed_event(state: Any, event: live.LiveEvent | live.LiveReset) -> tuple[Any, list[Any]]:
    """A new shout (each once, in seq order; after a reconnect the missed ones first)."""
    if isinstance(event, live.LiveReset) or state.route.name != "feed" or not isinstance(event.body, dict):
        return state, []
    if event.body.get("hidden"):  # shout.hidden (ADR 0702): its author keeps it, marked; others drop it
        author = (event.body.get("author") or {}).get("id")
        intent: Any = ShoutHidden(str(event.body.get("id", "")), keep=author is not None and author == state.user_id)
    else:
        intent = ShoutArrived(event.watermark, event.body)
    feed, effects = reduce_feed(state.feed, intent, state.signed_in)
    return replace(state, feed=feed), effects


@live.on("user:{uid}:notifications")
def _whisper_event(state: Any, event: live.LiveEvent | live.LiveReset) -> tuple[Any, list[Any]]:
    """``whisper:{id}`` documents: the open whispers page changes at once; elsewhere the nav's count."""
    if isinstance(event, live.LiveReset) or not event.doc_key.startswith("whisper:") or not isinstance(event.body, dict):
        return state, []
    kind = "whisper.read" if event.body.get("read_at") else "whisper.created"
    if state.route.name == "account" and state.path.startswith(WHISPERS):
        whispers, effects = reduce_whispers(state.whispers, WhisperChanged(kind, event.body), state.path)
        return replace(state, whispers=whispers), effects
    return state, [unread_call()]
