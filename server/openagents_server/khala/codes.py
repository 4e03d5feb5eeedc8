"""How the server ends a socket: ``KhalaClose`` carrying one of the contract's refusals.

Every close code, ERROR code, retry and recovery rule is defined once, in
``openagents_proto.sync.codes`` (docs/PROTOCOL.md's table is checked against it);
``tests/contracts/test_one_source.py`` fails if this package defines a refusal of its own.
"""

from __future__ import annotations

from openagents_proto.sync.codes import (
    BAD_FRAME,
    BAD_SUBSCRIPTION,
    FORBIDDEN_TOPIC,
    FRAME_TOO_LARGE,
    HELLO_TIMEOUT,
    IDLE_TIMEOUT,
    INTERNAL_ERROR,
    RATE_LIMITED,
    REAUTH_REQUIRED,
    SERVER_RESTART,
    SLOW_CONSUMER,
    STALE_CURSOR,
    TOO_MANY_CONNECTIONS,
    UNAUTHORIZED,
    UPGRADE_REQUIRED,
    Disconnect,
    refusal_for,
)
from openagents_proto.sync.domain import StaleCursorReason

__all__ = [
    "BAD_FRAME", "BAD_SUBSCRIPTION", "FORBIDDEN_TOPIC", "FRAME_TOO_LARGE", "HELLO_TIMEOUT", "IDLE_TIMEOUT",
    "INTERNAL_ERROR", "RATE_LIMITED", "REAUTH_REQUIRED", "SERVER_RESTART", "SLOW_CONSUMER", "STALE_CURSOR",
    "TOO_MANY_CONNECTIONS", "UNAUTHORIZED", "UPGRADE_REQUIRED", "Disconnect", "KhalaClose", "refusal_for",
]

# Reason codes (the machine-readable prefix of ERROR messages, "reason: text").
REASON_RETENTION_FLOOR_BREACH = StaleCursorReason.RETENTION_FLOOR_BREACH.value
REASON_REPLAY_BUDGET_EXCEEDED = StaleCursorReason.REPLAY_BUDGET_EXCEEDED.value
#: A watermark the server never issued (e.g. the database was restored): rehydrating is the cure.
REASON_WATERMARK_AHEAD = "watermark_ahead_of_head"
# The append API's refusals (HTTP, not the socket).
REASON_PAYLOAD_TOO_LARGE = "khala_frame_payload_too_large"
REASON_PUBLISH_RATE_LIMITED = "khala_publish_rate_limited"


class KhalaClose(Exception):
    """Raised inside a connection to end it with ``disconnect`` (an ERROR frame is sent first).

    ``reason`` is a stable machine-readable code; the ERROR message reads ``"{reason}: {message}"``.
    """

    def __init__(self, disconnect: Disconnect, message: str | None = None, *, reason: str = "",
                 field: str = "", request_id: str = "", stale: tuple = (), retry_after_ms: int = 0) -> None:
        super().__init__(message or disconnect.description)
        self.disconnect = disconnect
        self.message = message or disconnect.description
        self.reason = reason or disconnect.code
        self.field = field
        self.request_id = request_id
        self.stale = stale
        self.retry_after_ms = retry_after_ms
