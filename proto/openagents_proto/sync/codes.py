"""What each SyncErrorCode means for the connection: close code, retry, recovery (docs/PROTOCOL.md).

Close codes 4000-4499 are ours and allow a reconnect (after the recovery step); 1xxx are the
standard WebSocket codes. `error()` builds a SyncError with these defaults filled in.
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
    UNAUTHORIZED = 4001
    FORBIDDEN = 4003
    SLOW_CONSUMER = 4008
    STALE_CURSOR = 4009
    REAUTH_REQUIRED = 4010
    UPGRADE_REQUIRED = 4026
    RATE_LIMITED = 4029


class ErrorSemantics(msgspec.Struct, frozen=True):
    close_code: int  # 0 = the socket stays open
    retryable: bool  # reconnecting can succeed without user action (after `recovery`)
    recovery: RecoveryHint


SEMANTICS: dict[SyncErrorCode, ErrorSemantics] = {
    SyncErrorCode.UNAUTHORIZED: ErrorSemantics(CloseCode.UNAUTHORIZED, True, RecoveryHint.REAUTHENTICATE),
    SyncErrorCode.FORBIDDEN_TOPIC: ErrorSemantics(CloseCode.FORBIDDEN, False, RecoveryHint.UNSPECIFIED),
    SyncErrorCode.BAD_SUBSCRIPTION: ErrorSemantics(0, False, RecoveryHint.UNSPECIFIED),
    SyncErrorCode.STALE_CURSOR: ErrorSemantics(CloseCode.STALE_CURSOR, True, RecoveryHint.REHYDRATE),
    SyncErrorCode.PAYLOAD_TOO_LARGE: ErrorSemantics(CloseCode.MESSAGE_TOO_BIG, False, RecoveryHint.UNSPECIFIED),
    SyncErrorCode.RATE_LIMITED: ErrorSemantics(CloseCode.RATE_LIMITED, True, RecoveryHint.RESUME),
    SyncErrorCode.SLOW_CONSUMER: ErrorSemantics(CloseCode.SLOW_CONSUMER, True, RecoveryHint.RESUME),
    SyncErrorCode.REAUTH_REQUIRED: ErrorSemantics(CloseCode.REAUTH_REQUIRED, False, RecoveryHint.REAUTHENTICATE),
    SyncErrorCode.UPGRADE_REQUIRED: ErrorSemantics(CloseCode.UPGRADE_REQUIRED, False, RecoveryHint.UPGRADE),
    SyncErrorCode.INTERNAL: ErrorSemantics(CloseCode.INTERNAL_ERROR, True, RecoveryHint.RESUME),
    SyncErrorCode.BAD_FRAME: ErrorSemantics(CloseCode.PROTOCOL_ERROR, False, RecoveryHint.UNSPECIFIED),
}


def error(code: SyncErrorCode, message: str, *, request_id: str = "", field: str = "",
          retry_after_ms: int = 0, stale_cursors: tuple[StaleCursor, ...] = ()) -> SyncError:
    """A SyncError whose close code, retryability and recovery follow the contract for `code`."""
    semantics = SEMANTICS[code]
    return SyncError(code=code, message=message, retryable=semantics.retryable, request_id=request_id,
                     close_code=int(semantics.close_code), retry_after_ms=retry_after_ms,
                     recovery=semantics.recovery, stale_cursors=stale_cursors, field=field)
