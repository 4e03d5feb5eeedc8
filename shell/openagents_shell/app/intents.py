"""The app's own intents (navigation, the host's reports, the /debug gallery) and :data:`Intent`, the
union of everything :func:`~openagents_shell.app.reducer.reduce` accepts (the pages' intents included)."""

from __future__ import annotations

from dataclasses import dataclass

from openagents_shell.core import integrations as integrations_core
from openagents_shell.core import session, social
from openagents_shell.core.account import AccountIntent
from openagents_shell.core.admin import AdminIntent
from openagents_shell.core.autopilots import AutopilotIntent
from openagents_shell.core.chat import (
    ChatDraft,
    ChatJump,
    ChatLive,
    ChatPoll,
    ChatResync,
    ChatScrolled,
    ChatSend,
    ChatStop,
    ChatUser,
)
from openagents_shell.core.l402 import PaywallEdit, Poll
from openagents_shell.core.workers import ConfirmStop, StopWorker, WorkersRefresh
from openagents_shell.sync.live import LiveEvent, LiveReset, SyncCommand, SyncInfo, SyncPhase


@dataclass(frozen=True)
class Navigate:
    """The user followed an internal link."""

    href: str


@dataclass(frozen=True)
class PopState:
    """Back/forward: the browser already changed the URL."""

    path: str


@dataclass(frozen=True)
class HostChanged:
    """The host reported connectivity or update readiness."""

    online: bool
    update_ready: bool


@dataclass(frozen=True)
class AcceptUpdate:
    """The user pressed "Reload now" on the update prompt."""


@dataclass(frozen=True)
class RendererChanged:
    """The surface started (or fell back to) a backend."""

    name: str


@dataclass(frozen=True)
class SchemeChanged:
    """The device's colour scheme changed (``prefers-color-scheme``)."""

    dark: bool


@dataclass(frozen=True)
class GalleryEdit:
    """A change to the /debug gallery: ``field`` is a :class:`Gallery` field, ``value`` its new value."""

    field: str
    value: object


@dataclass(frozen=True)
class GalleryName:
    value: str


@dataclass(frozen=True)
class GalleryNotes:
    value: str


@dataclass(frozen=True)
class GalleryDensity:
    value: str


@dataclass(frozen=True)
class RequestsSlow:
    """The runtime: requests have been pending for 150 ms (``True``), or none is pending now."""

    slow: bool


Intent = Navigate | PopState | HostChanged | AcceptUpdate | RendererChanged | SchemeChanged | GalleryEdit \
    | GalleryName | GalleryNotes | GalleryDensity | AccountIntent | AutopilotIntent | LiveEvent | LiveReset | SyncPhase | Poll \
    | PaywallEdit | ChatDraft | ChatSend | ChatStop | ChatPoll | ChatLive | ChatResync | ChatUser | ChatScrolled \
    | ChatJump | WorkersRefresh | StopWorker \
    | ConfirmStop | AdminIntent | social.SocialIntent | integrations_core.IntegrationsIntent \
    | SyncInfo | SyncCommand | session.SessionIntent | RequestsSlow
