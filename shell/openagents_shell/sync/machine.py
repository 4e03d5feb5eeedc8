"""Khala's client protocol as a pure state machine: messages in, actions out.

The runtime owns the socket, the timers and IndexedDB; this decides what to send, what to apply and
when to reconnect. Updates are applied by (topic, watermark) exactly once: an update at or below the
topic's watermark (a replay overlap, a duplicate after a reconnect) is dropped. Reconnects back off
750 ms × 2ⁿ capped at 8 s with jitter, and the count resets after 30 s connected. An ERROR's
``recovery`` picks the next step: resume, rehydrate from ``snapshot_path``, reauthenticate, upgrade.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from openagents_proto.sync.compat import PROTOCOL_VERSION
from openagents_proto.sync.domain import (
    ClientSurface,
    Heartbeat,
    Hello,
    HelloOk,
    Message,
    RecoveryHint,
    Subscribe,
    Subscribed,
    SyncError,
    TopicCursor,
    Update,
    UpdateBatch,
)

BACKOFF_BASE_S = 0.75
BACKOFF_CAP_S = 8.0
STABLE_AFTER_S = 30.0


class Phase(enum.StrEnum):
    OFFLINE = "offline"
    CONNECTING = "connecting"
    LIVE = "live"
    SIGN_IN_NEEDED = "sign_in_needed"
    UPGRADE_NEEDED = "upgrade_needed"


# ---- actions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Send:
    message: Message


@dataclass(frozen=True)
class Apply:
    """Store and show ``update``; persist the topic's new watermark with it."""

    update: Update


@dataclass(frozen=True)
class Reconnect:
    after_s: float


@dataclass(frozen=True)
class Rehydrate:
    """Load ``snapshot_path`` for ``topic``, then resume from the snapshot's watermark."""

    topic: str
    snapshot_path: str


@dataclass(frozen=True)
class RenewToken:
    """Get a fresh sync token (``/api/sync/token``); sign in if that fails."""


@dataclass(frozen=True)
class ReloadApp:
    """The server needs a newer client: reload into the served bundle."""


Action = Send | Apply | Reconnect | Rehydrate | RenewToken | ReloadApp


def backoff_s(attempt: int, random: float) -> float:
    """750 ms × 2ⁿ, jittered into [0.5, 1.0] of that, never above 8 s."""
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** attempt) * (0.5 + 0.5 * random)


@dataclass
class KhalaClient:
    topics: tuple[str, ...]
    watermarks: dict[str, int] = field(default_factory=dict)  # from IndexedDB at start
    build_id: str = ""
    device_id: str = ""
    schema_version: int = 1
    phase: Phase = Phase.OFFLINE
    attempt: int = 0
    connected_at: float | None = None

    def open(self, sync_token: str) -> list[Action]:
        """The socket opened: say HELLO."""
        self.phase = Phase.CONNECTING
        return [Send(Hello(sync_token=sync_token, client_build_id=self.build_id, protocol_version=PROTOCOL_VERSION,
                           schema_version=self.schema_version, surface=ClientSurface.WEB, device_id=self.device_id))]

    def cursors(self) -> tuple[TopicCursor, ...]:
        return tuple(TopicCursor(topic=t, watermark=self.watermarks[t]) for t in self.topics if t in self.watermarks)

    def receive(self, message: Message, now: float, random: float = 0.5) -> list[Action]:
        if isinstance(message, HelloOk):
            self.connected_at = now
            return [Send(Subscribe(topics=self.topics, resume_after=self.cursors()))]
        if isinstance(message, Subscribed):
            self.phase = Phase.LIVE
            return []
        if isinstance(message, UpdateBatch):
            return self._apply(message.updates)
        if isinstance(message, Heartbeat):
            return [Send(Heartbeat(watermarks=self.cursors()))]
        if isinstance(message, SyncError):
            return self._error(message, now, random)
        return []

    def _apply(self, updates: tuple[Update, ...]) -> list[Action]:
        out: list[Action] = []
        for update in updates:
            if update.watermark <= self.watermarks.get(update.topic, 0):
                continue  # seen already: exactly once
            self.watermarks[update.topic] = update.watermark
            out.append(Apply(update))
        return out

    def closed(self, now: float, random: float = 0.5) -> list[Action]:
        """The socket closed without an ERROR (network, server restart): back off and reconnect."""
        if self.phase in (Phase.SIGN_IN_NEEDED, Phase.UPGRADE_NEEDED):
            return []
        if self.connected_at is not None and now - self.connected_at >= STABLE_AFTER_S:
            self.attempt = 0
        self.connected_at = None
        self.phase = Phase.OFFLINE
        delay = backoff_s(self.attempt, random)
        self.attempt += 1
        return [Reconnect(delay)]

    def online(self) -> list[Action]:
        """The browser came back online: reconnect at once."""
        if self.phase in (Phase.SIGN_IN_NEEDED, Phase.UPGRADE_NEEDED):
            return []
        self.attempt = 0
        return [Reconnect(0.0)]

    def _error(self, error: SyncError, now: float, random: float) -> list[Action]:
        if error.recovery == RecoveryHint.REAUTHENTICATE:
            self.phase = Phase.SIGN_IN_NEEDED
            return [RenewToken()]
        if error.recovery == RecoveryHint.UPGRADE:
            self.phase = Phase.UPGRADE_NEEDED
            return [ReloadApp()]
        out: list[Action] = []
        if error.recovery == RecoveryHint.REHYDRATE:
            for stale in error.stale_cursors:
                self.watermarks.pop(stale.topic, None)
                out.append(Rehydrate(stale.topic, stale.snapshot_path))
        if not error.retryable and error.recovery == RecoveryHint.UNSPECIFIED:
            self.phase = Phase.OFFLINE
            return out
        self.connected_at = None
        self.phase = Phase.OFFLINE
        delay = max(backoff_s(self.attempt, random), error.retry_after_ms / 1000)
        self.attempt += 1
        return [*out, Reconnect(delay)]

    def rehydrated(self, topic: str, watermark: int) -> None:
        """A snapshot for ``topic`` is stored: resume after its watermark."""
        self.watermarks[topic] = watermark
