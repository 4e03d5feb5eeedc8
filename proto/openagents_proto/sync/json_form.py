"""The JSON form of Khala frames used by the original system's fixtures (Phoenix era).

A frame is ``{topic, seq, kind: "KHALA_FRAME_KIND_...", payload_bytes: base64(JSON), schema_version}``
whose payload is JSON rather than protobuf. We read it to run the reference vectors through the
same validation as binary frames (`frame_from_json`), and for debugging tools. The socket speaks
protobuf only.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from openagents_proto.canonical import parse_json
from openagents_proto.errors import ContractError
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from openagents_proto.sync.v1 import khala_pb2

_KIND_PREFIX = "KHALA_FRAME_KIND_"


def _get(obj: Any, key: str, kind: type, field: str, default: Any = None) -> Any:
    if not isinstance(obj, dict):
        raise ContractError(field.rsplit(".", 1)[0] or field, "malformed", "must be a JSON object")
    value = obj.get(key, default)
    if value is None:
        raise ContractError(field, "missing", "is required")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ContractError(field, "malformed", f"must be {kind.__name__}, got {type(value).__name__}")
    return value


def _batch(payload: Any, topic: str) -> d.UpdateBatch:
    updates = []
    for index, item in enumerate(_get(payload, "updates", list, "updates")):
        field = f"updates[{index}]"
        updates.append(d.Update.build(
            topic=_get(item, "topic", str, f"{field}.topic", topic),
            doc_key=_get(item, "doc_key", str, f"{field}.doc_key"),
            doc_version=_get(item, "doc_version", int, f"{field}.doc_version"),
            body=_get(item, "payload", object, f"{field}.payload"),
            watermark=_get(item, "watermark", int, f"{field}.watermark"),
        ))
    heads = tuple(
        d.TopicCursor(topic=_get(h, "topic", str, f"head_watermarks[{i}].topic"),
                      watermark=_get(h, "watermark", int, f"head_watermarks[{i}].watermark"))
        for i, h in enumerate(_get(payload, "head_watermarks", list, "head_watermarks", []))
    )
    return d.UpdateBatch(updates=tuple(updates), replay_complete=bool(payload.get("replay_complete", False)),
                         head_watermarks=heads)


def _error(payload: Any) -> d.SyncError:
    code_text = _get(payload, "code", str, "code")
    try:
        code = d.SyncErrorCode(code_text)
    except ValueError:
        raise ContractError("code", "unknown_enum", f"unknown error code {code_text!r}") from None
    stale = []
    for index, item in enumerate(_get(payload, "stale_topics", list, "stale_topics", [])):
        field = f"stale_topics[{index}]"
        requested = _get(item, "resume_after", int, f"{field}.resume_after")
        floor = _get(item, "retention_floor", int, f"{field}.retention_floor", 0)
        stale.append(d.StaleCursor(
            topic=_get(item, "topic", str, f"{field}.topic"),
            reason=(d.StaleCursorReason.RETENTION_FLOOR_BREACH if requested < floor
                    else d.StaleCursorReason.REPLAY_BUDGET_EXCEEDED),
            requested_watermark=requested, retention_floor=floor,
            head_watermark=item.get("head_watermark", 0), replay_budget=item.get("replay_budget", 0),
        ))
    resync = bool(payload.get("full_resync_required", False))
    return d.SyncError(code=code, message=_get(payload, "message", str, "message"), stale_cursors=tuple(stale),
                       recovery=d.RecoveryHint.REHYDRATE if resync else d.RecoveryHint.UNSPECIFIED)


def frame_from_json(obj: dict[str, Any]) -> d.Frame:
    """A JSON-form frame -> validated domain Frame (UPDATE_BATCH and ERROR kinds)."""
    kind_text = _get(obj, "kind", str, "kind")
    if not kind_text.startswith(_KIND_PREFIX) or kind_text not in khala_pb2.KhalaFrameKind.keys():
        raise ContractError("kind", "unknown_enum", f"unknown frame kind {kind_text!r}")
    kind = d.FrameKind(kind_text.removeprefix(_KIND_PREFIX).lower())
    try:
        raw = base64.b64decode(_get(obj, "payload_bytes", str, "payload_bytes"), validate=True)
    except binascii.Error as exc:
        raise ContractError("payload_bytes", "malformed", f"not base64: {exc}") from None
    payload = parse_json(raw, "payload_bytes")
    topic = obj.get("topic", "")
    message: d.Message
    try:
        if kind is d.FrameKind.UPDATE_BATCH:
            message = _batch(payload, topic)
        elif kind is d.FrameKind.ERROR:
            message = _error(payload)
        else:
            raise ContractError("kind", "unknown_enum", f"the JSON form carries no {kind.value} frames")
    except ContractError as exc:
        raise exc.nested(f"payload_bytes.{kind.value}") from None
    frame = d.Frame(message=message, topic=topic, seq=_get(obj, "seq", int, "seq", 0),
                    schema_version=_get(obj, "schema_version", int, "schema_version"))
    # the domain frame must pass the same checks as a binary one
    convert.decode_frame(convert.encode_frame(frame, validate=False), max_bytes=None)
    return frame
