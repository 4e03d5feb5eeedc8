"""The page-facing side of live sync: listen to a Khala topic, get its events as intents.

A page asks for a topic with the :class:`Listen` effect (from its enter step or any reducer step).
The listen belongs to ``scope`` — the page's path — and ends when the person navigates away, as a
page's requests do; ``scope=None`` keeps it for the app's lifetime (the signed-in person's
notifications). :class:`Unlisten` ends one early. The sync runtime (``sync/runtime.py``) opens one
connection for public topics (``feed:public``, with the anonymous public sync token of ADR 0700)
and one for the signed-in person's topics (``POST /api/sync/token`` naming them), resumes from the
stored watermarks, and hands every update, exactly once and in order, to the reducer as a
:class:`LiveEvent`. ``app.reduce`` passes it to the handler registered with :func:`on` for the
topic's pattern::

    from openagents_shell.sync import live

    @live.on("feed:public")
    def shout_arrived(state: State, event: live.LiveEvent) -> tuple[State, list]:
        return replace(state, feed=state.feed.prepend(event.body)), []

A rehydrate (the server could not resume the topic) first sends :class:`LiveReset` for the topic to
the same handler: drop what the page holds for it; the snapshot's documents follow as events.

No msgspec or protobuf here: this module is imported at boot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Topics served to anyone with the public sync token (ADR 0700); every other topic needs a sign-in.
PUBLIC_TOPICS = frozenset({"feed:public"})


def is_public(topic: str) -> bool:
    return topic in PUBLIC_TOPICS


def keeps_documents(topic: str) -> bool:
    """Topics whose latest documents are kept in IndexedDB, so their lists show offline."""
    return topic.startswith("user:") and topic.endswith(":notifications")


# ---- effects (pages return them) --------------------------------------------------------------
@dataclass(frozen=True)
class Listen:
    """Receive ``topic``'s events while ``scope`` is the current page (``None``: always)."""

    topic: str
    scope: str | None
    #: The watermark a page's HTTP snapshot includes (e.g. a thread's ``khala.worker_seq``): the
    #: subscription resumes after it (or after the stored watermark if that is lower), so the page
    #: gets every later event once instead of the whole retained topic.
    after: int | None = None
    #: The snapshot is the page's whole truth for the topic (nothing kept from earlier visits, e.g. the
    #: feed's first page): resume exactly after ``after``, even when a stored watermark is lower, so
    #: nothing the page holds is replayed (ADR 0702).
    exact: bool = False


@dataclass(frozen=True)
class Unlisten:
    topic: str


@dataclass(frozen=True)
class SyncCommand:
    """``/debug``'s buttons: ``reconnect`` (fresh sockets, resuming) or ``reset`` (local data deleted)."""

    kind: str


@dataclass(frozen=True)
class ForgetUser:
    """Sign-out: the person's stored watermarks and documents leave this browser."""

    user_id: str


@dataclass(frozen=True)
class WatchSync:
    """While ``scope`` is the page, the runtime sends :class:`SyncInfo` every second (``/debug``)."""

    scope: str


# ---- intents (the runtime dispatches them) ----------------------------------------------------
@dataclass(frozen=True)
class LiveEvent:
    """One update of ``topic``: the document ``doc_key`` at ``doc_version`` (its JSON ``body``)."""

    topic: str
    doc_key: str
    doc_version: int
    watermark: int
    body: Any = field(default=None, hash=False, compare=False)
    #: replayed on (re)connect: at or below the head the server named when the topic was subscribed
    #: (pages update lists with it but do not announce it as new)
    replay: bool = False


@dataclass(frozen=True)
class LiveReset:
    """``topic`` is rehydrated from a snapshot: forget its documents; the snapshot's events follow."""

    topic: str


@dataclass(frozen=True)
class SyncPhase:
    """A connection's state changed: ``channel`` is ``public`` or ``user``; ``phase`` one of
    ``connecting``, ``live``, ``reconnecting``, ``offline``, ``sign_in_needed``, ``upgrade_needed``,
    ``idle`` (no topic wanted, no socket)."""

    channel: str
    phase: str
    watermarks: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class SyncInfo:
    """The runtime's counters for ``/debug``: per channel phase, topics, watermarks; IndexedDB size
    and resets."""

    info: dict[str, Any] = field(hash=False, compare=False, default_factory=dict)


# ---- handlers ---------------------------------------------------------------------------------
Handler = Callable[[Any, "LiveEvent | LiveReset"], tuple[Any, list[Any]]]
_HANDLERS: list[tuple[re.Pattern[str], Handler]] = []


def _compile(pattern: str) -> re.Pattern[str]:
    """``run:{id}:events`` → one segment per ``{…}``; ``*`` matches anything."""
    out = re.escape(pattern).replace(r"\*", ".*")
    out = re.sub(r"\\\{\w+\\\}", r"[^:]+", out)
    return re.compile(f"^{out}$")


def on(pattern: str) -> Callable[[Handler], Handler]:
    """Register ``handler(state, event) -> (state, effects)`` for the topics matching ``pattern``."""

    def register(handler: Handler) -> Handler:
        _HANDLERS.append((_compile(pattern), handler))
        return handler

    return register


def handlers_for(topic: str) -> list[Handler]:
    return [handler for regex, handler in _HANDLERS if regex.match(topic)]


def dispatch(state: Any, event: LiveEvent | LiveReset) -> tuple[Any, list[Any]]:
    """Every handler whose pattern matches the event's topic, in registration order."""
    effects: list[Any] = []
    for handler in handlers_for(event.topic):
        state, more = handler(state, event)
        effects.extend(more)
    return state, effects


# ---- what the header shows --------------------------------------------------------------------
LABELS = {"connecting": "Connecting…", "live": "Live", "reconnecting": "Reconnecting…", "offline": "Offline",
          "sign_in_needed": "Sign-in needed", "upgrade_needed": "Update needed"}
_WORST = ("sign_in_needed", "upgrade_needed", "offline", "reconnecting", "connecting", "live")


def overall(phases: dict[str, str], online: bool = True) -> str:
    """One state for the header from the connections' (``idle`` ones do not count)."""
    active = [p for p in phases.values() if p != "idle"]
    if not active:
        return "idle" if online else "offline"
    if not online:
        return "offline"
    for phase in _WORST:
        if phase in active:
            return phase
    return active[0]
