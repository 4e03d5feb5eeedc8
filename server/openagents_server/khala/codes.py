"""Every way Khala refuses or ends a socket: close code, ERROR code, and whether to reconnect.

Close codes follow ARCHITECTURE §4 and the sync/v1 contract (``openagents_proto.sync.codes``):
4001 unauthorized, 4003 forbidden topic, 4008 slow consumer, 4009 stale cursor, 4010 reauth
required, 4026 upgrade required, 4029 rate limited; 1002 undecodable frame, 1009 frame too large.
Two more are ours and close without an ERROR frame, the close reason naming them: 4002 no HELLO
within the deadline, 4011 no client frame within the idle timeout.

``reconnect`` (the ERROR frame's ``retryable``) says whether reconnecting can succeed without user
action. ``reauth_required`` is not retryable: the client must get a fresh token (refresh or sign-in)
and must never reconnect with the same one.
"""

from __future__ import annotations

from dataclasses import dataclass

from openagents_proto.sync.domain import RecoveryHint, SyncErrorCode


@dataclass(frozen=True)
class Disconnect:
    close_code: int
    #: Short name used in close reasons, logs and metrics.
    code: str
    #: The ERROR frame's code; None closes without an ERROR frame.
    error: SyncErrorCode | None
    reconnect: bool
    recovery: RecoveryHint
    description: str


BAD_FRAME = Disconnect(1002, "bad_frame", SyncErrorCode.BAD_FRAME, False, RecoveryHint.UNSPECIFIED,
                       "a frame could not be decoded or is not allowed now")
#: Not a disconnect: the SUBSCRIBE is refused and the socket stays open (close_code 0).
BAD_SUBSCRIPTION = Disconnect(0, "bad_subscription", SyncErrorCode.BAD_SUBSCRIPTION, False, RecoveryHint.UNSPECIFIED,
                              "the subscription request is malformed")
UNAUTHORIZED = Disconnect(4001, "unauthorized", SyncErrorCode.UNAUTHORIZED, True, RecoveryHint.REAUTHENTICATE,
                          "the sync token was refused; mint a new one")
HELLO_TIMEOUT = Disconnect(4002, "hello_timeout", None, True, RecoveryHint.RESUME, "no HELLO within the deadline")
FORBIDDEN_TOPIC = Disconnect(4003, "forbidden_topic", SyncErrorCode.FORBIDDEN_TOPIC, False, RecoveryHint.UNSPECIFIED,
                             "the token does not grant this topic")
SLOW_CONSUMER = Disconnect(4008, "slow_consumer", SyncErrorCode.SLOW_CONSUMER, True, RecoveryHint.RESUME,
                           "outbound queue overflowed; resume from your watermarks")
STALE_CURSOR = Disconnect(4009, "stale_cursor", SyncErrorCode.STALE_CURSOR, True, RecoveryHint.REHYDRATE,
                          "watermark cannot be replayed; rehydrate from the snapshot")
REAUTH_REQUIRED = Disconnect(4010, "reauth_required", SyncErrorCode.REAUTH_REQUIRED, False,
                             RecoveryHint.REAUTHENTICATE, "session revoked; do not reuse this token")
IDLE_TIMEOUT = Disconnect(4011, "idle_timeout", None, True, RecoveryHint.RESUME, "no client frame within the idle timeout")
FRAME_TOO_LARGE = Disconnect(1009, "frame_too_large", SyncErrorCode.PAYLOAD_TOO_LARGE, False,
                             RecoveryHint.UNSPECIFIED, "inbound frame exceeds 64 KiB")
UPGRADE_REQUIRED = Disconnect(4026, "upgrade_required", SyncErrorCode.UPGRADE_REQUIRED, False, RecoveryHint.UPGRADE,
                              "client build/protocol/schema outside the compatibility window")
RATE_LIMITED = Disconnect(4029, "rate_limited", SyncErrorCode.RATE_LIMITED, True, RecoveryHint.RESUME,
                          "inbound frame rate exceeded")
TOO_MANY_CONNECTIONS = Disconnect(4029, "too_many_connections", SyncErrorCode.RATE_LIMITED, True,
                                  RecoveryHint.RESUME, "per-user connection cap reached")
SERVER_SHUTDOWN = Disconnect(1012, "server_restart", None, True, RecoveryHint.RESUME,
                             "server is restarting; resume from your watermarks")
INTERNAL_ERROR = Disconnect(1011, "internal_error", SyncErrorCode.INTERNAL, True, RecoveryHint.RESUME,
                            "unexpected server error; resume from your watermarks")

# Reason codes (the machine-readable prefix of ERROR messages, "reason: text").
REASON_RETENTION_FLOOR_BREACH = "retention_floor_breach"
REASON_REPLAY_BUDGET_EXCEEDED = "replay_budget_exceeded"
REASON_WATERMARK_AHEAD = "watermark_ahead_of_head"
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
