"""``/feed`` and the whispers pages (``/account/whispers``) as pure state: sub-states, intents, and
:class:`~openagents_shell.core.account.Call` effects that describe the requests (ADR 0701).

No msgspec here (imported at boot): answers come back as ``Answered(tag, outcome)`` whose ``data``
is an ``api/social.py`` struct, read by attribute. Live updates come in as :class:`ShoutArrived` /
:class:`ShoutHidden` / :class:`WhisperChanged` (the payloads of ``feed:public`` and
``user:{id}:notifications``), and a reconnect as :class:`CatchUp`, which asks for what was missed with
the keyset cursor.

| module | job |
|---|---|
| ``feed.py`` | ``/feed``: its state, intents, requests and reducer (ADR 0702) |
| ``shouts.py`` | a shout as the feed shows it, from a record or a live payload; merging lists of them |
| ``blocked.py`` | ``/account/blocked``: the people I blocked, and unblocking them |
| ``reports.py`` | ``/admin/reports``: the administrators' queue of shout reports, dismiss or hide |
| ``whispers.py`` | the whispers pages: state, intents, requests, reducer; the nav's unread count |
| ``shared.py`` | the page size, the relative-time ticker, ``CatchUp`` |
| ``text.py`` | the 500-character limit, relative times, links in text |
| ``answers.py`` | reading the API client's answers duck-typed |
| ``live.py`` | the ``feed:public`` and notifications handlers (``@live.on``) |

The names other modules import are re-exported here, with :data:`SocialIntent`.
"""

from __future__ import annotations

from openagents_shell.core.social import live as _live_handlers  # noqa: F401  (registers the live handlers)
from openagents_shell.core.social.blocked import (
    BLOCKED,
    Blocked,
    BlockedPerson,
    Unblock,
    enter_blocked,
    reduce_blocked,
)
from openagents_shell.core.social.feed import (
    EARLY_MAX,
    FEED,
    FEED_INTENTS,
    FEED_LIST,
    FEED_LIST_MAX_HEIGHT,
    FEED_TOPIC,
    AskBlock,
    AskReport,
    CancelAction,
    ConfirmAction,
    Feed,
    FeedMore,
    FeedScrolled,
    FeedZone,
    PostShout,
    RetryTick,
    ScrollToTop,
    ShoutArrived,
    ShoutDraft,
    ShoutHidden,
    ShowNewShouts,
    UndoBlock,
    enter_feed,
    reduce_feed,
)
from openagents_shell.core.social.live import user_topic
from openagents_shell.core.social.reports import (
    REPORTS,
    REPORTS_INTENTS,
    ReportQueueView,
    enter_reports,
    reduce_reports,
)
from openagents_shell.core.social.shared import PAGE, TICK_S, CatchUp, StartTicker, Tick
from openagents_shell.core.social.shouts import ShoutView, shout_from_payload, shout_view
from openagents_shell.core.social.text import MAX_TEXT, relative, remaining, text_parts
from openagents_shell.core.social.whispers import (
    WHISPERS,
    ConversationView,
    MarkRead,
    SendWhisper,
    WhisperChanged,
    WhisperDraft,
    Whispers,
    WhispersMore,
    WhisperTo,
    WhisperView,
    enter_whispers,
    reduce_whispers,
    unread_call,
    whisper_from_payload,
    whisper_view,
    whispers_path,
)

SocialIntent = FeedZone | FeedMore | ShoutDraft | PostShout | RetryTick | ShoutArrived | ShoutHidden | FeedScrolled \
    | ShowNewShouts | AskReport | AskBlock | ConfirmAction | CancelAction | UndoBlock | WhisperDraft | WhisperTo | SendWhisper | WhispersMore | MarkRead | WhisperChanged | CatchUp | Tick | Unblock

__all__ = [
    "BLOCKED",
    "EARLY_MAX",
    "FEED",
    "FEED_INTENTS",
    "FEED_LIST",
    "FEED_LIST_MAX_HEIGHT",
    "FEED_TOPIC",
    "MAX_TEXT",
    "PAGE",
    "REPORTS",
    "REPORTS_INTENTS",
    "TICK_S",
    "WHISPERS",
    "AskBlock",
    "AskReport",
    "Blocked",
    "BlockedPerson",
    "CancelAction",
    "CatchUp",
    "ConfirmAction",
    "ConversationView",
    "Feed",
    "FeedMore",
    "FeedScrolled",
    "FeedZone",
    "MarkRead",
    "PostShout",
    "ReportQueueView",
    "RetryTick",
    "ScrollToTop",
    "SendWhisper",
    "ShoutArrived",
    "ShoutDraft",
    "ShoutHidden",
    "ShoutView",
    "ShowNewShouts",
    "SocialIntent",
    "StartTicker",
    "Tick",
    "Unblock",
    "UndoBlock",
    "WhisperChanged",
    "WhisperDraft",
    "WhisperTo",
    "WhisperView",
    "Whispers",
    "WhispersMore",
    "enter_blocked",
    "enter_feed",
    "enter_reports",
    "enter_whispers",
    "reduce_blocked",
    "reduce_feed",
    "reduce_reports",
    "reduce_whispers",
    "relative",
    "remaining",
    "shout_from_payload",
    "shout_view",
    "text_parts",
    "unread_call",
    "user_topic",
    "whisper_from_payload",
    "whisper_view",
    "whispers_path",
]
