"""Every way Khala refuses a request or ends a socket: close code, ERROR code, retry and recovery.

This module is the one definition (docs/PROTOCOL.md's close-code table is checked against it by
``tests/contracts/test_close_table.py``): the server raises these values, the shell acts on them.

Close codes 4000-4499 are ours and allow a reconnect (after the recovery step); 1xxx are the
standard WebSocket codes. Three closes carry no ERROR frame, the close reason naming them: 4002 (no
HELLO in time), 4011 (idle) and 1012 (server restart). ``error()`` builds a SyncError with the
contract's semantics filled in. Pure Python, so it runs in Pyodide.
"""

from __future__ import annotations

import enum

import msgspec

from openagents_proto.sync.domain import RecoveryHint, StaleCursor, SyncError, SyncErrorCode


class CloseCode(enum.IntEnum):
    NORMAL = 1000
    PROTOCOL_ERROR = 1002  # undecodable frame
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    UNAUTHORIZED = 4001
    HELLO_TIMEOUT = 4002
    FORBIDDEN = 4003
    SLOW_CONSUMER = 4008
    STALE_CURSOR = 4009
    REAUTH_REQUIRED = 4010
    IDLE_TIMEOUT = 4011
    UPGRADE_REQUIRED = 4026
    RATE_LIMITED = 4029


class Disconnect(msgspec.Struct, frozen=True):
    """One named refusal. ``close_code`` 0 means the request is refused and the socket stays open."""

    close_code: int
    #: Short name: the close reason of a close without an ERROR frame, logs and metrics.
    code: str
    #: The ERROR frame's code; None closes without an ERROR frame.
    error: SyncErrorCode | None
    #: Reconnecting can succeed without user action (after ``recovery``): the ERROR's ``retryable``.
    reconnect: bool
    recovery: RecoveryHint
    description: str


BAD_FRAME = Disconnect(CloseCode.PROTOCOL_ERROR, "bad_frame", SyncErrorCode.BAD_FRAME, False,
                       RecoveryHint.UNSPECIFIED, "a frame could not be decoded or is not allowed now")
BAD_SUBSCRIPTION = Disconnect(0, "bad_subscription", SyncErrorCode.BAD_SUBSCRIPTION, False, RecoveryHint.UNSPECIFIED,
                              "the SUBSCRIBE is refused (unknown topic, too many topics, duplicates); "
                              "the socket stays open")
UNAUTHORIZED = Disconnect(CloseCode.UNAUTHORIZED, "unauthorized", SyncErrorCode.UNAUTHORIZED, True,
                          RecoveryHint.REAUTHENTICATE, "the sync token is missing, invalid or expired; mint a new one")
HELLO_TIMEOUT = Disconnect(CloseCode.HELLO_TIMEOUT, "hello_timeout", None, True, RecoveryHint.RESUME,
                           "no HELLO within the deadline")
FORBIDDEN_TOPIC = Disconnect(CloseCode.FORBIDDEN, "forbidden_topic", SyncErrorCode.FORBIDDEN_TOPIC, False,
                             RecoveryHint.UNSPECIFIED, "the token does not grant this topic")
SLOW_CONSUMER = Disconnect(CloseCode.SLOW_CONSUMER, "slow_consumer", SyncErrorCode.SLOW_CONSUMER, True,
                           RecoveryHint.RESUME, "outbound queue overflowed; resume from your watermarks")
STALE_CURSOR = Disconnect(CloseCode.STALE_CURSOR, "stale_cursor", SyncErrorCode.STALE_CURSOR, True,
                          RecoveryHint.REHYDRATE, "watermark cannot be replayed; rehydrate from the snapshot")
REAUTH_REQUIRED = Disconnect(CloseCode.REAUTH_REQUIRED, "reauth_required", SyncErrorCode.REAUTH_REQUIRED, False,
                             RecoveryHint.REAUTHENTICATE, "session revoked; do not reuse this token")
IDLE_TIMEOUT = Disconnect(CloseCode.IDLE_TIMEOUT, "idle_timeout", None, True, RecoveryHint.RESUME,
                          "no client frame within the idle timeout")
FRAME_TOO_LARGE = Disconnect(CloseCode.MESSAGE_TOO_BIG, "frame_too_large", SyncErrorCode.PAYLOAD_TOO_LARGE, False,
                             RecoveryHint.UNSPECIFIED, "inbound frame exceeds max_inbound_frame_bytes")
UPGRADE_REQUIRED = Disconnect(CloseCode.UPGRADE_REQUIRED, "upgrade_required", SyncErrorCode.UPGRADE_REQUIRED, False,
                              RecoveryHint.UPGRADE, "client build/protocol/schema outside the compatibility window")
RATE_LIMITED = Disconnect(CloseCode.RATE_LIMITED, "rate_limited", SyncErrorCode.RATE_LIMITED, True,
                          RecoveryHint.RESUME, "inbound frame rate exceeded")
TOO_MANY_CONNECTIONS = Disconnect(CloseCode.RATE_LIMITED, "too_many_connections", SyncErrorCode.RATE_LIMITED, True,
                                  RecoveryHint.RESUME, "per-user connection cap reached")
SERVER_RESTART = Disconnect(CloseCode.SERVICE_RESTART, "server_restart", None, True, RecoveryHint.RESUME,
                            "server is restarting; resume from your watermarks")
INTERNAL_ERROR = Disconnect(CloseCode.INTERNAL_ERROR, "internal_error", SyncErrorCode.INTERNAL, True,
                            RecoveryHint.RESUME, "unexpected server error; resume from your watermarks")

#: Every refusal, in the order of the close-code table in docs/PROTOCOL.md.
DISCONNECTS: tuple[Disconnect, ...] = (
    BAD_SUBSCRIPTION, BAD_FRAME, FRAME_TOO_LARGE, INTERNAL_ERROR, SERVER_RESTART, UNAUTHORIZED, HELLO_TIMEOUT,
    FORBIDDEN_TOPIC, SLOW_CONSUMER, STALE_CURSOR, REAUTH_REQUIRED, IDLE_TIMEOUT, UPGRADE_REQUIRED, RATE_LIMITED,
    TOO_MANY_CONNECTIONS,
)


class ErrorSemantics(msgspec.Struct, frozen=True):
    close_code: int  # 0 = the socket stays open
    retryable: bool  # reconnecting can succeed without user action (after `recovery`)
    recovery: RecoveryHint


#: What each ERROR code means for the connection (derived from ``DISCONNECTS``: one meaning per code).
SEMANTICS: dict[SyncErrorCode, ErrorSemantics] = {}
for _d in DISCONNECTS:
    if _d.error is not None:
        _semantics = ErrorSemantics(int(_d.close_code), _d.reconnect, _d.recovery)
        if SEMANTICS.setdefault(_d.error, _semantics) != _semantics:  # pragma: no cover - a table error
            raise AssertionError(f"{_d.code}: {_d.error.value} already means {SEMANTICS[_d.error]}")
del _d


def error(code: SyncErrorCode, message: str, *, request_id: str = "", field: str = "",
          retry_after_ms: int = 0, stale_cursors: tuple[StaleCursor, ...] = ()) -> SyncError:
    """A SyncError whose close code, retryability and recovery follow the contract for `code`."""
    semantics = SEMANTICS[code]
    return SyncError(code=code, message=message, retryable=semantics.retryable, request_id=request_id,
                     close_code=int(semantics.close_code), retry_after_ms=retry_after_ms,
                     recovery=semantics.recovery, stale_cursors=stale_cursors, field=field)


# -- client frames that fail validation --------------------------------------------------------------

#: The refusal for a client frame whose decoding failed at ``ContractError.field`` (longest prefix
#: wins), and the reason its ERROR message starts with ("" = the ContractError's own reason).
#: A HELLO's token and versions are judged like any refused token or version (4001, 4026), whether
#: they are absent or wrong; a SUBSCRIBE that breaks its limits is a refused subscription (the
#: socket stays open, as for an unknown topic); every other undecodable frame is ``bad_frame``.
FIELD_REFUSALS: tuple[tuple[str, Disconnect, str], ...] = (
    ("hello.sync_token", UNAUTHORIZED, ""),  # "missing" or "too_large", like the token's other refusals
    ("hello.protocol_version", UPGRADE_REQUIRED, "unsupported_protocol_version"),
    ("hello.schema_version", UPGRADE_REQUIRED, "unsupported_schema_version"),
    ("hello.client_build_id", UPGRADE_REQUIRED, "unsupported_client_build"),
    ("schema_version", UPGRADE_REQUIRED, "unsupported_schema_version"),  # the frame's own version
    ("subscribe.", BAD_SUBSCRIPTION, ""),
)


def refusal_for(field: str) -> tuple[Disconnect, str]:
    """Which refusal a client frame gets when its decoding fails at ``field`` (see FIELD_REFUSALS)."""
    for prefix, disconnect, reason in FIELD_REFUSALS:
        if field == prefix or (prefix.endswith(".") and field.startswith(prefix)):
            return disconnect, reason
    return BAD_FRAME, ""
