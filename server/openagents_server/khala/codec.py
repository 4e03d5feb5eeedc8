"""The wire seam: bytes ⇄ sync/v1 domain messages (``openagents_proto``), for the gateway.

Incoming bytes go through the contract's validating decoder. Outgoing update batches are built
straight from log rows as protobuf (no re-validation: the log only holds canonical payloads with
their hashes), once per batch — the same bytes go to every live subscriber.
"""

from __future__ import annotations

from collections.abc import Sequence

from openagents_proto.errors import ContractError
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from openagents_proto.sync.limits import MAX_BATCH_BYTES, MAX_BATCH_UPDATES, MAX_ID_LENGTH, SCHEMA_VERSION
from openagents_proto.sync.v1 import khala_pb2

from openagents_server.khala.frames import FrameError
from openagents_server.khala.log import Event

CLIENT_KINDS = (d.Hello, d.Subscribe, d.Unsubscribe, d.Heartbeat)
_UPDATE_BATCH = khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH


def decode_client(data: bytes) -> d.Message:
    """Validated client message, or FrameError (never any other exception, whatever the bytes).
    Which refusal a FrameError gets is the contract's rule (``codes.refusal_for(field)``)."""
    try:
        frame = convert.decode_frame(data)
    except ContractError as exc:
        request_id = _subscribe_request_id(data) if exc.field.startswith("subscribe.") else ""
        raise FrameError(exc.reason, str(exc), exc.field, request_id) from None
    except Exception as exc:  # noqa: BLE001 - a decoder bug must not kill the socket task silently
        raise FrameError("malformed", f"undecodable frame ({type(exc).__name__})") from None
    if not isinstance(frame.message, CLIENT_KINDS):
        raise FrameError("unexpected_kind", f"{frame.kind.value} frames are sent by the server, not clients", "kind")
    return frame.message


def _subscribe_request_id(data: bytes) -> str:
    """The request id of a SUBSCRIBE that failed validation ("" if it has none we can read)."""
    try:
        wire = khala_pb2.Subscribe.FromString(khala_pb2.KhalaFrame.FromString(data).payload_bytes)
    except Exception:  # noqa: BLE001 - best effort: the refusal goes out without it
        return ""
    return wire.request_id[:MAX_ID_LENGTH]


def encode(message: d.Message, topic: str = "") -> bytes:
    return convert.encode_frame(d.Frame(message=message, topic=topic), validate=False)


#: Upper bounds of what protobuf adds around an update (7 fields: tags, lengths, varints, the 71-byte
#: hash; ≤ 109 bytes) and around a batch's updates (the frame envelope and one head cursor; ≤ 42
#: bytes plus the topic twice).
UPDATE_OVERHEAD_BYTES = 128
FRAME_OVERHEAD_BYTES = 128


def batch_size(topic: str, events: Sequence[Event]) -> int:
    """An upper bound of ``len(encode_batch(topic, events, ...))``."""
    return FRAME_OVERHEAD_BYTES + 2 * len(topic) + sum(
        len(e.payload) + len(e.doc_key) + len(topic) + UPDATE_OVERHEAD_BYTES for e in events)


def split_batches(topic: str, events: Sequence[Event], max_bytes: int = MAX_BATCH_BYTES,
                  max_updates: int = MAX_BATCH_UPDATES) -> list[Sequence[Event]]:
    """``events`` cut into consecutive runs that each encode to at most ``max_bytes`` and hold at
    most ``max_updates`` (a run of one update always goes, whatever its size)."""
    runs: list[Sequence[Event]] = []
    start, size = 0, FRAME_OVERHEAD_BYTES + 2 * len(topic)
    for index, event in enumerate(events):
        grow = len(event.payload) + len(event.doc_key) + len(topic) + UPDATE_OVERHEAD_BYTES
        if index > start and (size + grow > max_bytes or index - start >= max_updates):
            runs.append(events[start:index])
            start, size = index, FRAME_OVERHEAD_BYTES + 2 * len(topic)
        size += grow
    if start < len(events):
        runs.append(events[start:])
    return runs


def encode_batch(topic: str, events: Sequence[Event], head: int, replay_complete: bool = True) -> bytes:
    """One UPDATE_BATCH frame of 1..200 events of ``topic`` in ascending seq (callers cut them with
    ``split_batches``). ``head`` is the topic's head watermark as the server knows it (not the batch's
    last seq). Per the contract, ``replay_complete`` is True on the last replay batch and on every
    live-tail batch."""
    updates = [
        khala_pb2.Update(topic=topic, doc_key=e.doc_key, doc_version=e.doc_version, payload=e.payload,
                         watermark=e.seq, payload_hash=e.payload_hash)
        for e in events
    ]
    batch = khala_pb2.UpdateBatch(updates=updates, replay_complete=replay_complete,
                                  head_watermarks=[khala_pb2.TopicCursor(topic=topic, watermark=head)])
    return khala_pb2.KhalaFrame(topic=topic, seq=events[-1].seq, kind=_UPDATE_BATCH,
                                payload_bytes=batch.SerializeToString(), schema_version=SCHEMA_VERSION
                                ).SerializeToString()


# Client side (tests, CLI): the contract's converter both ways.

def encode_client(message: d.Message) -> bytes:
    return convert.encode_frame(d.Frame(message=message))


def decode_server(data: bytes) -> d.Frame:
    return convert.decode_frame(data, max_bytes=None)
