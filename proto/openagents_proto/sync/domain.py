"""Domain types of Khala sync v1: what server and shell code work with (msgspec Structs).

They mirror `v1/khala.proto` and `v1/errors.proto` but with Python types: enums are StrEnums of
lower-case names, repeated fields are tuples, and `Frame.message` is the typed payload (its kind
follows from its type). `openagents_proto.sync.convert` validates and converts both ways.
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

from openagents_proto.canonical import canonical_json, hash_bytes, parse_json
from openagents_proto.sync.limits import SCHEMA_VERSION


class FrameKind(enum.StrEnum):
    HELLO = "hello"
    HELLO_OK = "hello_ok"
    SUBSCRIBE = "subscribe"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBE = "unsubscribe"
    UPDATE_BATCH = "update_batch"
    HEARTBEAT = "heartbeat"
    ERROR = "error"


class ClientSurface(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    WEB = "web"
    DESKTOP = "desktop"
    IOS = "ios"
    CLI = "cli"


class SyncErrorCode(enum.StrEnum):
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN_TOPIC = "forbidden_topic"
    BAD_SUBSCRIPTION = "bad_subscription"
    STALE_CURSOR = "stale_cursor"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    RATE_LIMITED = "rate_limited"
    SLOW_CONSUMER = "slow_consumer"
    REAUTH_REQUIRED = "reauth_required"
    UPGRADE_REQUIRED = "upgrade_required"
    INTERNAL = "internal"
    BAD_FRAME = "bad_frame"


class StaleCursorReason(enum.StrEnum):
    RETENTION_FLOOR_BREACH = "retention_floor_breach"
    REPLAY_BUDGET_EXCEEDED = "replay_budget_exceeded"


class RecoveryHint(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    REHYDRATE = "rehydrate"
    RESUME = "resume"
    REAUTHENTICATE = "reauthenticate"
    UPGRADE = "upgrade"


class _Struct(msgspec.Struct, frozen=True, kw_only=True):
    pass


class TopicCursor(_Struct):
    """A per-topic position: highest applied (client) or available (server) sequence."""

    topic: str
    watermark: int


class Hello(_Struct):
    sync_token: str
    client_build_id: str
    protocol_version: str
    schema_version: int
    surface: ClientSurface = ClientSurface.UNSPECIFIED
    device_id: str = ""

    def __repr__(self) -> str:  # keep tokens out of logs and tracebacks
        return (f"Hello(sync_token=<redacted>, client_build_id={self.client_build_id!r}, "
                f"protocol_version={self.protocol_version!r}, schema_version={self.schema_version})")


class HelloOk(_Struct):
    connection_id: str
    protocol_version: str
    schema_version: int
    heartbeat_interval_ms: int
    idle_timeout_ms: int
    max_inbound_frame_bytes: int
    max_batch_updates: int
    token_expires_at_unix_ms: int = 0
    server_build_id: str = ""
    #: Largest UPDATE_BATCH frame the server sends, in encoded bytes (0: not stated).
    max_batch_bytes: int = 0


class Subscribe(_Struct):
    topics: tuple[str, ...]
    resume_after: tuple[TopicCursor, ...] = ()
    request_id: str = ""

    def watermark_for(self, topic: str) -> int:
        """The resume watermark of `topic` (0 = replay everything retained)."""
        for cursor in self.resume_after:
            if cursor.topic == topic:
                return cursor.watermark
        return 0


class Subscribed(_Struct):
    request_id: str
    topics: tuple[str, ...]
    head_watermarks: tuple[TopicCursor, ...] = ()


class Unsubscribe(_Struct):
    topics: tuple[str, ...]
    request_id: str = ""


class Update(_Struct):
    """One document change. `payload` holds canonical JSON bytes; `payload_hash` their sha256."""

    topic: str
    doc_key: str
    doc_version: int
    payload: bytes
    watermark: int
    payload_hash: str

    @classmethod
    def build(cls, *, topic: str, doc_key: str, doc_version: int, body: Any, watermark: int) -> Update:
        """An update whose payload is the canonical JSON of `body`, with its hash."""
        payload = canonical_json(body)
        return cls(topic=topic, doc_key=doc_key, doc_version=doc_version, payload=payload,
                   watermark=watermark, payload_hash=hash_bytes(payload))

    def body(self) -> Any:
        """The decoded JSON document."""
        return parse_json(self.payload, "payload")


class UpdateBatch(_Struct):
    updates: tuple[Update, ...]
    replay_complete: bool = False
    head_watermarks: tuple[TopicCursor, ...] = ()


class Heartbeat(_Struct):
    watermarks: tuple[TopicCursor, ...] = ()
    sent_at_unix_ms: int = 0


class StaleCursor(_Struct):
    topic: str
    reason: StaleCursorReason
    requested_watermark: int
    retention_floor: int
    head_watermark: int
    replay_budget: int
    recovery: RecoveryHint = RecoveryHint.REHYDRATE
    snapshot_path: str = ""


class SyncError(_Struct):
    code: SyncErrorCode
    message: str
    retryable: bool = False
    request_id: str = ""
    close_code: int = 0
    retry_after_ms: int = 0
    recovery: RecoveryHint = RecoveryHint.UNSPECIFIED
    stale_cursors: tuple[StaleCursor, ...] = ()
    field: str = ""


Message = Hello | HelloOk | Subscribe | Subscribed | Unsubscribe | UpdateBatch | Heartbeat | SyncError

KIND_OF: dict[type, FrameKind] = {
    Hello: FrameKind.HELLO,
    HelloOk: FrameKind.HELLO_OK,
    Subscribe: FrameKind.SUBSCRIBE,
    Subscribed: FrameKind.SUBSCRIBED,
    Unsubscribe: FrameKind.UNSUBSCRIBE,
    UpdateBatch: FrameKind.UPDATE_BATCH,
    Heartbeat: FrameKind.HEARTBEAT,
    SyncError: FrameKind.ERROR,
}


class Frame(_Struct):
    """One socket message. For UPDATE_BATCH, `topic` is the batch's topic and `seq` the watermark
    of its last update; both are empty / 0 for the other kinds (except a topic-scoped ERROR)."""

    message: Message
    topic: str = ""
    seq: int = 0
    schema_version: int = SCHEMA_VERSION

    @property
    def kind(self) -> FrameKind:
        return KIND_OF[type(self.message)]

    @classmethod
    def batch(cls, topic: str, batch: UpdateBatch, schema_version: int = SCHEMA_VERSION) -> Frame:
        """An UPDATE_BATCH frame for `topic` whose seq is the last update's watermark."""
        seq = batch.updates[-1].watermark if batch.updates else 0
        return cls(message=batch, topic=topic, seq=seq, schema_version=schema_version)
