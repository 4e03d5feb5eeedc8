"""A specialised decoder for `UpdateBatch` payloads, for the pure-Python protobuf backend.

In the browser (Pyodide) protobuf runs its generic pure-Python parser, which spends ~25 us per
`Update`; replaying a 20 000-update topic would cost seconds of main-thread CPU. `UpdateBatch` is
small and fixed (see khala.proto), so this module reads it directly from the wire format, several
times faster, and yields objects with the same attribute names as the generated messages, which
`convert` then validates exactly as it validates protobuf's output. With the upb backend (servers)
protobuf's C parser is faster, and `convert` uses it instead (ADR 0403).

Semantics match protobuf's for everything `UpdateBatch` can hold: unknown fields are skipped, a
repeated scalar field keeps its last value, strings must be UTF-8. Differences: group wire types
(3, 4; deprecated, never produced by proto3) are refused instead of skipped, and so are tags
beyond 32 bits (as upb does; protobuf's pure-Python parser skips them).
"""

from __future__ import annotations


class FastWireError(ValueError):
    """The bytes are not a well-formed UpdateBatch."""


class WireCursor:
    __slots__ = ("topic", "watermark")

    def __init__(self) -> None:
        self.topic = ""
        self.watermark = 0


class WireUpdate:
    __slots__ = ("doc_key", "doc_version", "payload", "payload_hash", "topic", "watermark")

    def __init__(self) -> None:
        self.topic = ""
        self.doc_key = ""
        self.doc_version = 0
        self.payload = b""
        self.watermark = 0
        self.payload_hash = ""


class WireBatch:
    __slots__ = ("head_watermarks", "replay_complete", "updates")

    def __init__(self) -> None:
        self.updates: list[WireUpdate] = []
        self.replay_complete = False
        self.head_watermarks: list[WireCursor] = []


_MASK64 = (1 << 64) - 1
_MAX_TAG = (1 << 32) - 1  # tags are 32-bit varints: field numbers up to 2**29 - 1


def _tag(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    tag, pos = _varint(buf, pos, end)
    if tag > _MAX_TAG:
        raise FastWireError("field number out of range")
    return tag, pos


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise FastWireError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 70:
            raise FastWireError("varint longer than 10 bytes")


def _fields(buf: bytes, pos: int, end: int):  # type: ignore[no-untyped-def]
    """(field number, wire type, value) for each field in buf[pos:end]; LEN values are slices."""
    while pos < end:
        tag, pos = _tag(buf, pos, end)
        field, wire_type = tag >> 3, tag & 7
        if field == 0:
            raise FastWireError("field number 0")
        if wire_type == 0:
            value, pos = _varint(buf, pos, end)
        elif wire_type == 2:
            length, pos = _varint(buf, pos, end)
            stop = pos + length
            if stop > end:
                raise FastWireError("truncated length-delimited field")
            value = buf[pos:stop]
            pos = stop
        elif wire_type == 1:
            pos += 8
            value = None
        elif wire_type == 5:
            pos += 4
            value = None
        else:
            raise FastWireError(f"unsupported wire type {wire_type}")
        if pos > end:
            raise FastWireError("truncated fixed-width field")
        yield field, wire_type, value


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FastWireError(f"string field is not UTF-8 at byte {exc.start}") from None


def _update(buf: bytes) -> WireUpdate:
    """One Update; the hot loop, so tags and lengths below 128 (all of ours) skip `_varint`."""
    update = WireUpdate()
    pos, end = 0, len(buf)
    while pos < end:
        tag = buf[pos]
        if tag < 0x80:
            pos += 1
        else:
            tag, pos = _tag(buf, pos, end)
        field, wire_type = tag >> 3, tag & 7
        if wire_type == 2:
            length = buf[pos] if pos < end else 0x80
            if length < 0x80:
                pos += 1
            else:
                length, pos = _varint(buf, pos, end)
            stop = pos + length
            if stop > end:
                raise FastWireError("truncated length-delimited field")
            if field == 1:
                update.topic = _text(buf[pos:stop])
            elif field == 2:
                update.doc_key = _text(buf[pos:stop])
            elif field == 4:
                update.payload = bytes(buf[pos:stop])
            elif field == 6:
                update.payload_hash = _text(buf[pos:stop])
            elif field == 0:
                raise FastWireError("field number 0")
            pos = stop
        elif wire_type == 0:
            value, pos = _varint(buf, pos, end)
            if field == 3:
                update.doc_version = value
            elif field == 5:
                update.watermark = value
            elif field == 0:
                raise FastWireError("field number 0")
        elif wire_type == 1 or wire_type == 5:
            if field == 0:
                raise FastWireError("field number 0")
            pos += 8 if wire_type == 1 else 4
            if pos > end:
                raise FastWireError("truncated fixed-width field")
        else:
            raise FastWireError(f"unsupported wire type {wire_type}")
    return update


def _cursor(buf: bytes) -> WireCursor:
    cursor = WireCursor()
    for field, wire_type, value in _fields(buf, 0, len(buf)):
        if field == 1 and wire_type == 2:
            cursor.topic = _text(value)
        elif field == 2 and wire_type == 0:
            cursor.watermark = value
    return cursor


def parse_update_batch(data: bytes) -> WireBatch:
    """Decode an UpdateBatch payload; FastWireError on malformed bytes."""
    batch = WireBatch()
    for field, wire_type, value in _fields(data, 0, len(data)):
        if field == 1 and wire_type == 2:
            batch.updates.append(_update(value))
        elif field == 2 and wire_type == 0:
            batch.replay_complete = value != 0
        elif field == 3 and wire_type == 2:
            batch.head_watermarks.append(_cursor(value))
    return batch
