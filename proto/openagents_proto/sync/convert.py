"""Wire (protobuf, `v1/`) <-> domain (`domain.py`) conversion for Khala sync v1.

`decode_frame` is the one entry point for untrusted bytes: it bounds the size, parses, and checks
every field, raising `ContractError` that names the field (``"update_batch.updates[3].watermark"``).
`encode_frame` validates the domain frame the same way before encoding, so a server never sends a
frame a client would reject.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from google.protobuf.internal import api_implementation
from google.protobuf.message import DecodeError
from google.protobuf.message import Message as PbMessage

from openagents_proto.canonical import HASH_PREFIX
from openagents_proto.errors import ContractError
from openagents_proto.sync import domain as d
from openagents_proto.sync import fastwire
from openagents_proto.sync.limits import (
    MAX_BATCH_UPDATES,
    MAX_ID_LENGTH,
    MAX_INBOUND_FRAME_BYTES,
    MAX_PAYLOAD_BYTES,
    MAX_SCHEMA_VERSION,
    MAX_TOKEN_LENGTH,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS_PER_SUBSCRIBE,
    MIN_SCHEMA_VERSION,
    TOPIC_RE,
)
from openagents_proto.sync.v1 import errors_pb2, khala_pb2

E = TypeVar("E")
# The generic pure-Python protobuf parser (the browser's) is slow on 200-update batches; use the
# specialised reader there (ADR 0403). upb's C parser is faster than both.
FAST_BATCH_DECODE = api_implementation.Type() == "python"

# ---------------------------------------------------------------------------------------- enums


def _enum_table(pb_enum: Any, prefix: str, domain_enum: Any) -> tuple[dict[int, Any], dict[Any, int]]:
    """Map wire enum numbers <-> domain members by name (FOO_BAR <-> "foo_bar")."""
    from_wire = {pb_enum.Value(prefix + member.name): member for member in domain_enum}
    return from_wire, {member: number for number, member in from_wire.items()}


_KIND_IN, _KIND_OUT = _enum_table(khala_pb2.KhalaFrameKind, "KHALA_FRAME_KIND_", d.FrameKind)
_SURFACE_IN, _SURFACE_OUT = _enum_table(khala_pb2.ClientSurface, "CLIENT_SURFACE_", d.ClientSurface)
_CODE_IN, _CODE_OUT = _enum_table(errors_pb2.SyncErrorCode, "SYNC_ERROR_CODE_", d.SyncErrorCode)
_REASON_IN, _REASON_OUT = _enum_table(errors_pb2.StaleCursorReason, "STALE_CURSOR_REASON_", d.StaleCursorReason)
_HINT_IN, _HINT_OUT = _enum_table(errors_pb2.RecoveryHint, "RECOVERY_HINT_", d.RecoveryHint)


def _enum_in(table: dict[int, E], value: int, field: str) -> E:
    try:
        return table[value]
    except KeyError:
        raise ContractError(field, "unknown_enum", f"unknown or unspecified value {value}") from None


# ----------------------------------------------------------------------------------- field checks


def _text(value: str, field: str, *, required: bool = True, max_length: int = MAX_ID_LENGTH) -> str:
    if required and not value:
        raise ContractError(field, "missing", "is required")
    if len(value) > max_length:
        raise ContractError(field, "too_large", f"is {len(value)} characters, at most {max_length} allowed")
    return value


def _topic(value: str, field: str) -> str:
    _text(value, field, max_length=MAX_TOPIC_LENGTH)
    if TOPIC_RE.fullmatch(value) is None:
        raise ContractError(field, "malformed", f"{value!r} is not a topic (letters, digits, ':._-')")
    return value


def _positive(value: int, field: str) -> int:
    if value < 1:
        raise ContractError(field, "out_of_range", f"must be >= 1, got {value}")
    return value


def _non_negative(value: int, field: str) -> int:
    if value < 0:
        raise ContractError(field, "out_of_range", f"must be >= 0, got {value}")
    return value


def _schema_version(value: int, field: str) -> int:
    if not MIN_SCHEMA_VERSION <= value <= MAX_SCHEMA_VERSION:
        raise ContractError(
            field, "unsupported_version",
            f"schema version {value} is outside the supported range {MIN_SCHEMA_VERSION}..{MAX_SCHEMA_VERSION}",
        )
    return value


def _each(items: Iterable[Any], field: str, convert: Callable[[Any, str], E]) -> tuple[E, ...]:
    return tuple(convert(item, f"{field}[{index}]") for index, item in enumerate(items))


def _cursors(items: Iterable[Any], field: str) -> tuple[d.TopicCursor, ...]:
    cursors = _each(items, field, _cursor)
    seen: set[str] = set()
    for index, cursor in enumerate(cursors):
        if cursor.topic in seen:
            raise ContractError(f"{field}[{index}].topic", "duplicate", f"{cursor.topic!r} appears twice")
        seen.add(cursor.topic)
    return cursors


def _cursor(c: Any, field: str) -> d.TopicCursor:
    return d.TopicCursor(topic=_topic(c.topic, f"{field}.topic"), watermark=_non_negative(c.watermark, f"{field}.watermark"))


def _topic_list(topics: Iterable[str], field: str, *, limit: int = MAX_TOPICS_PER_SUBSCRIBE) -> tuple[str, ...]:
    result = _each(topics, field, _topic)
    if not result:
        raise ContractError(field, "missing", "at least one topic is required")
    if len(result) > limit:
        raise ContractError(field, "too_large", f"{len(result)} topics, at most {limit} allowed")
    if len(set(result)) != len(result):
        duplicate = next(t for i, t in enumerate(result) if t in result[:i])
        raise ContractError(field, "duplicate", f"{duplicate!r} appears twice")
    return result


# ------------------------------------------------------------------------- message: wire -> domain


def _hello_in(m: khala_pb2.Hello) -> d.Hello:
    # Only the shape is checked here: whether the token, protocol, schema and build are acceptable —
    # absent ones included — is for the compatibility window (`compat.negotiate`, 4026) and the token
    # check (4001) to say, in that order (docs/PROTOCOL.md §2).
    return d.Hello(
        sync_token=_text(m.sync_token, "sync_token", required=False, max_length=MAX_TOKEN_LENGTH),
        client_build_id=_text(m.client_build_id, "client_build_id", required=False),
        protocol_version=_text(m.protocol_version, "protocol_version", required=False),
        schema_version=_non_negative(m.schema_version, "schema_version"),
        surface=_SURFACE_IN.get(m.surface, d.ClientSurface.UNSPECIFIED),
        device_id=_text(m.device_id, "device_id", required=False),
    )


def _hello_ok_in(m: khala_pb2.HelloOk) -> d.HelloOk:
    return d.HelloOk(
        connection_id=_text(m.connection_id, "connection_id"),
        protocol_version=_text(m.protocol_version, "protocol_version"),
        schema_version=_schema_version(m.schema_version, "schema_version"),
        heartbeat_interval_ms=_positive(m.heartbeat_interval_ms, "heartbeat_interval_ms"),
        idle_timeout_ms=_positive(m.idle_timeout_ms, "idle_timeout_ms"),
        max_inbound_frame_bytes=_positive(m.max_inbound_frame_bytes, "max_inbound_frame_bytes"),
        max_batch_updates=_positive(m.max_batch_updates, "max_batch_updates"),
        token_expires_at_unix_ms=m.token_expires_at_unix_ms,
        server_build_id=_text(m.server_build_id, "server_build_id", required=False),
        max_batch_bytes=m.max_batch_bytes,
    )


def _subscribe_in(m: khala_pb2.Subscribe) -> d.Subscribe:
    topics = _topic_list(m.topics, "topics")
    resume_after = _cursors(m.resume_after, "resume_after")
    for index, cursor in enumerate(resume_after):
        if cursor.topic not in topics:
            raise ContractError(f"resume_after[{index}].topic", "mismatch",
                                f"{cursor.topic!r} is not among the subscribed topics")
    return d.Subscribe(topics=topics, resume_after=resume_after, request_id=_text(m.request_id, "request_id", required=False))


def _subscribed_in(m: khala_pb2.Subscribed) -> d.Subscribed:
    return d.Subscribed(
        request_id=_text(m.request_id, "request_id", required=False),
        topics=_topic_list(m.topics, "topics"),
        head_watermarks=_cursors(m.head_watermarks, "head_watermarks"),
    )


def _unsubscribe_in(m: khala_pb2.Unsubscribe) -> d.Unsubscribe:
    return d.Unsubscribe(topics=_topic_list(m.topics, "topics"),
                         request_id=_text(m.request_id, "request_id", required=False))


def _update_in(u: khala_pb2.Update, field: str, *, verify_hash: bool) -> d.Update:
    payload = u.payload
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ContractError(f"{field}.payload", "too_large",
                            f"{len(payload)} bytes, at most {MAX_PAYLOAD_BYTES} allowed")
    payload_hash = u.payload_hash
    if not payload_hash.startswith(HASH_PREFIX) or len(payload_hash) != len(HASH_PREFIX) + 64:
        raise ContractError(f"{field}.payload_hash", "malformed", "must be 'sha256:' followed by 64 hex digits")
    if verify_hash and payload_hash[len(HASH_PREFIX):] != hashlib.sha256(payload).hexdigest():
        raise ContractError(f"{field}.payload_hash", "hash_mismatch", "does not match the sha256 of payload")
    return d.Update(
        topic=_topic(u.topic, f"{field}.topic"),
        doc_key=_text(u.doc_key, f"{field}.doc_key", max_length=MAX_TOPIC_LENGTH),
        doc_version=_positive(u.doc_version, f"{field}.doc_version"),
        payload=payload,
        watermark=_positive(u.watermark, f"{field}.watermark"),
        payload_hash=payload_hash,
    )


_HASH_LENGTH = len(HASH_PREFIX) + 64


def _update_fast(u: khala_pb2.Update, index: int, topic: str, verify_hash: bool) -> d.Update:
    """The common case in one expression (no per-field error paths built); anything unusual goes
    through `_update_in`, which names the offending field."""
    payload, payload_hash, doc_key = u.payload, u.payload_hash, u.doc_key
    doc_version, watermark = u.doc_version, u.watermark
    if (u.topic == topic and doc_version >= 1 and watermark >= 1 and 0 < len(doc_key) <= MAX_TOPIC_LENGTH
            and len(payload) <= MAX_PAYLOAD_BYTES and len(payload_hash) == _HASH_LENGTH
            and payload_hash.startswith(HASH_PREFIX)
            and (not verify_hash or payload_hash[len(HASH_PREFIX):] == hashlib.sha256(payload).hexdigest())):
        return d.Update(topic=topic, doc_key=doc_key, doc_version=doc_version, payload=payload,
                        watermark=watermark, payload_hash=payload_hash)
    return _update_in(u, f"updates[{index}]", verify_hash=verify_hash)


def _update_batch_in(m: khala_pb2.UpdateBatch, *, verify_hash: bool = True, topic: str = "") -> d.UpdateBatch:
    """`topic`: the frame's (already validated) topic; updates of that topic take the fast path."""
    if not m.updates:
        raise ContractError("updates", "missing", "an update batch holds at least one update")
    if len(m.updates) > MAX_BATCH_UPDATES:
        raise ContractError("updates", "too_large", f"{len(m.updates)} updates, at most {MAX_BATCH_UPDATES} allowed")
    updates = tuple(_update_fast(u, i, topic, verify_hash) for i, u in enumerate(m.updates))
    return d.UpdateBatch(updates=updates, replay_complete=m.replay_complete,
                         head_watermarks=_cursors(m.head_watermarks, "head_watermarks"))


def _heartbeat_in(m: khala_pb2.Heartbeat) -> d.Heartbeat:
    return d.Heartbeat(watermarks=_cursors(m.watermarks, "watermarks"), sent_at_unix_ms=m.sent_at_unix_ms)


def _stale_cursor_in(s: errors_pb2.StaleCursor, field: str) -> d.StaleCursor:
    return d.StaleCursor(
        topic=_topic(s.topic, f"{field}.topic"),
        reason=_enum_in(_REASON_IN, s.reason, f"{field}.reason"),
        requested_watermark=s.requested_watermark,
        retention_floor=s.retention_floor,
        head_watermark=s.head_watermark,
        replay_budget=s.replay_budget,
        recovery=_HINT_IN.get(s.recovery, d.RecoveryHint.UNSPECIFIED),
        snapshot_path=_text(s.snapshot_path, f"{field}.snapshot_path", required=False, max_length=2048),
    )


def _error_in(m: errors_pb2.Error) -> d.SyncError:
    code = _enum_in(_CODE_IN, m.code, "code")
    stale = _each(m.stale_cursors, "stale_cursors", _stale_cursor_in)
    if code is d.SyncErrorCode.STALE_CURSOR and not stale:
        raise ContractError("stale_cursors", "missing", "a stale_cursor error names at least one stale topic")
    return d.SyncError(
        code=code,
        message=_text(m.message, "message", max_length=1024),
        retryable=m.retryable,
        request_id=_text(m.request_id, "request_id", required=False),
        close_code=m.close_code,
        retry_after_ms=m.retry_after_ms,
        recovery=_HINT_IN.get(m.recovery, d.RecoveryHint.UNSPECIFIED),
        stale_cursors=stale,
        field=_text(m.field, "field", required=False, max_length=256),
    )


_PAYLOAD_IN: dict[d.FrameKind, tuple[type[PbMessage], Callable[[Any], d.Message]]] = {
    d.FrameKind.HELLO: (khala_pb2.Hello, _hello_in),
    d.FrameKind.HELLO_OK: (khala_pb2.HelloOk, _hello_ok_in),
    d.FrameKind.SUBSCRIBE: (khala_pb2.Subscribe, _subscribe_in),
    d.FrameKind.SUBSCRIBED: (khala_pb2.Subscribed, _subscribed_in),
    d.FrameKind.UNSUBSCRIBE: (khala_pb2.Unsubscribe, _unsubscribe_in),
    d.FrameKind.UPDATE_BATCH: (khala_pb2.UpdateBatch, _update_batch_in),
    d.FrameKind.HEARTBEAT: (khala_pb2.Heartbeat, _heartbeat_in),
    d.FrameKind.ERROR: (errors_pb2.Error, _error_in),
}

# ------------------------------------------------------------------------- message: domain -> wire


def _cursors_out(cursors: Iterable[d.TopicCursor]) -> list[khala_pb2.TopicCursor]:
    return [khala_pb2.TopicCursor(topic=c.topic, watermark=c.watermark) for c in cursors]


def message_to_wire(message: d.Message) -> PbMessage:
    """The protobuf message for a domain payload (no validation; see `encode_frame`)."""
    if isinstance(message, d.UpdateBatch):
        return khala_pb2.UpdateBatch(
            updates=[khala_pb2.Update(topic=u.topic, doc_key=u.doc_key, doc_version=u.doc_version,
                                      payload=u.payload, watermark=u.watermark, payload_hash=u.payload_hash)
                     for u in message.updates],
            replay_complete=message.replay_complete,
            head_watermarks=_cursors_out(message.head_watermarks),
        )
    if isinstance(message, d.Heartbeat):
        return khala_pb2.Heartbeat(watermarks=_cursors_out(message.watermarks), sent_at_unix_ms=message.sent_at_unix_ms)
    if isinstance(message, d.Hello):
        return khala_pb2.Hello(sync_token=message.sync_token, client_build_id=message.client_build_id,
                               protocol_version=message.protocol_version, schema_version=message.schema_version,
                               surface=_SURFACE_OUT[message.surface], device_id=message.device_id)
    if isinstance(message, d.HelloOk):
        return khala_pb2.HelloOk(**{f: getattr(message, f) for f in message.__struct_fields__})
    if isinstance(message, d.Subscribe):
        return khala_pb2.Subscribe(topics=message.topics, resume_after=_cursors_out(message.resume_after),
                                   request_id=message.request_id)
    if isinstance(message, d.Subscribed):
        return khala_pb2.Subscribed(request_id=message.request_id, topics=message.topics,
                                    head_watermarks=_cursors_out(message.head_watermarks))
    if isinstance(message, d.Unsubscribe):
        return khala_pb2.Unsubscribe(topics=message.topics, request_id=message.request_id)
    if isinstance(message, d.SyncError):
        return errors_pb2.Error(
            code=_CODE_OUT[message.code], message=message.message, retryable=message.retryable,
            request_id=message.request_id, close_code=message.close_code, retry_after_ms=message.retry_after_ms,
            recovery=_HINT_OUT[message.recovery], field=message.field,
            stale_cursors=[errors_pb2.StaleCursor(
                topic=s.topic, reason=_REASON_OUT[s.reason], requested_watermark=s.requested_watermark,
                retention_floor=s.retention_floor, head_watermark=s.head_watermark,
                replay_budget=s.replay_budget, recovery=_HINT_OUT[s.recovery], snapshot_path=s.snapshot_path)
                for s in message.stale_cursors],
        )
    raise ContractError("message", "unknown_enum", f"{type(message).__name__} is not a Khala frame payload")


# ----------------------------------------------------------------------------------------- frames


def _check_envelope(kind: d.FrameKind, topic: str, seq: int, message: d.Message | None) -> None:
    """Envelope rules that depend on the kind (see KhalaFrame in khala.proto)."""
    if kind is d.FrameKind.UPDATE_BATCH:
        _topic(topic, "topic")
        _positive(seq, "seq")
        if isinstance(message, d.UpdateBatch):
            previous = 0
            for index, update in enumerate(message.updates):
                if update.topic != topic:
                    raise ContractError(f"update_batch.updates[{index}].topic", "mismatch",
                                        f"{update.topic!r} differs from the frame topic {topic!r}")
                if update.watermark <= previous:
                    raise ContractError(f"update_batch.updates[{index}].watermark", "out_of_range",
                                        f"watermarks must strictly increase ({update.watermark} after {previous})")
                previous = update.watermark
            if seq != previous:
                raise ContractError("seq", "mismatch", f"frame seq {seq} differs from the last update's watermark {previous}")
        return
    if seq != 0:
        raise ContractError("seq", "out_of_range", f"must be 0 for {kind.value} frames, got {seq}")
    if topic:
        if kind is d.FrameKind.ERROR:
            _topic(topic, "topic")
        else:
            raise ContractError("topic", "out_of_range", f"must be empty for {kind.value} frames")


def frame_from_wire(frame: khala_pb2.KhalaFrame, *, verify_hashes: bool = True) -> d.Frame:
    """Validate a parsed KhalaFrame and decode its payload into a domain Frame."""
    kind = _enum_in(_KIND_IN, frame.kind, "kind")
    schema_version = _schema_version(frame.schema_version, "schema_version")
    _check_envelope(kind, frame.topic, frame.seq, None)
    pb_type, convert = _PAYLOAD_IN[kind]
    wire: Any = pb_type()
    try:
        if kind is d.FrameKind.UPDATE_BATCH and FAST_BATCH_DECODE:
            wire = fastwire.parse_update_batch(frame.payload_bytes)
        else:
            wire.ParseFromString(frame.payload_bytes)
    except (DecodeError, fastwire.FastWireError) as exc:
        raise ContractError("payload_bytes", "malformed", f"not a valid {pb_type.__name__}: {exc}") from None
    try:
        if kind is d.FrameKind.UPDATE_BATCH:
            message = _update_batch_in(wire, verify_hash=verify_hashes, topic=frame.topic)
        else:
            message = convert(wire)
    except ContractError as exc:
        raise exc.nested(kind.value) from None
    _check_envelope(kind, frame.topic, frame.seq, message)
    return d.Frame(message=message, topic=frame.topic, seq=frame.seq, schema_version=schema_version)


def frame_to_wire(frame: d.Frame) -> khala_pb2.KhalaFrame:
    """The KhalaFrame for a domain frame (payload encoded; no validation)."""
    return khala_pb2.KhalaFrame(topic=frame.topic, seq=frame.seq, kind=_KIND_OUT[frame.kind],
                                payload_bytes=message_to_wire(frame.message).SerializeToString(),
                                schema_version=frame.schema_version)


def decode_frame(data: bytes, *, max_bytes: int | None = MAX_INBOUND_FRAME_BYTES,
                 verify_hashes: bool = True) -> d.Frame:
    """Bytes from a socket -> validated domain Frame. `max_bytes=None` lifts the size bound (for
    frames from the server, whose batches exceed the 64 KiB inbound limit)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ContractError("frame", "too_large", f"{len(data)} bytes, at most {max_bytes} allowed")
    wire = khala_pb2.KhalaFrame()
    try:
        wire.ParseFromString(data)
    except DecodeError as exc:
        raise ContractError("frame", "malformed", f"not a KhalaFrame: {exc}") from None
    return frame_from_wire(wire, verify_hashes=verify_hashes)


def encode_frame(frame: d.Frame, *, validate: bool = True) -> bytes:
    """Domain Frame -> bytes. With `validate`, the encoded frame is checked exactly as a receiver
    would check it, so an invalid frame raises here instead of at the peer."""
    data = frame_to_wire(frame).SerializeToString()
    if validate:
        decode_frame(data, max_bytes=None)
    return data
