"""The app's own effects (history, a document load, a repaint) and :data:`Effect`, the union of
everything the reducer asks ``entry.py`` to do against the browser (the pages' effects included)."""

from __future__ import annotations

from dataclasses import dataclass

from openagents_shell.core import session, social
from openagents_shell.core.account import Call, StartCooldown
from openagents_shell.core.chat import Later, LoadDraft, SaveDraft, ScrollToEnd
from openagents_shell.core.l402 import PollLater
from openagents_shell.sync.live import ForgetUser, Listen, SyncCommand, Unlisten, WatchSync


@dataclass(frozen=True)
class PushState:
    href: str


@dataclass(frozen=True)
class FullLoad:
    """Load ``href`` as a document navigation, activating the waiting build."""

    href: str


@dataclass(frozen=True)
class Render:
    pass


Effect = PushState | FullLoad | Render | Call | StartCooldown | Listen | Unlisten | PollLater | Later | SaveDraft \
    | LoadDraft | ScrollToEnd | social.StartTicker | SyncCommand \
    | WatchSync | ForgetUser | session.Later
