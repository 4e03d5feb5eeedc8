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
from openagents_proto.sync.limits import SCHEMA_VERSION
from openagents_proto.sync.v1 import khala_pb2

from openagents_server.khala.frames import FrameError
from openagents_server.khala.log import Event

CLIENT_KINDS = (d.Hello, d.Subscribe, d.Unsubscribe, d.Heartbeat)
_UPDATE_BATCH = khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH


class SchemaUnsupported(FrameError):
    """The frame's schema_version is outside what this server speaks (→ upgrade_required)."""


def decode_client(data: bytes) -> d.Message:
    """Validated client message, or FrameError (never any other exception, whatever the bytes)."""
    try:
        frame = convert.decode_frame(data)
    except ContractError as exc:
        if exc.field == "schema_version" and exc.reason in ("unsupported_version", "out_of_range"):
            raise SchemaUnsupported(exc.reason, str(exc), exc.field) from None
        raise FrameError(exc.reason, str(exc), exc.field) from None
    except Exception as exc:  # noqa: BLE001 - a decoder bug must not kill the socket task silently
        raise FrameError("malformed", f"undecodable frame ({type(exc).__name__})") from None
    if not isinstance(frame.message, CLIENT_KINDS):
        raise FrameError("unexpected_kind", f"{frame.kind.value} frames are sent by the server, not clients", "kind")
    return frame.message


def encode(message: d.Message, topic: str = "") -> bytes:
    return convert.encode_frame(d.Frame(message=message, topic=topic), validate=False)


def encode_batch(topic: str, events: Sequence[Event], head: int, replay_complete: bool = True) -> bytes:
    """One UPDATE_BATCH frame of 1..200 events of ``topic`` in ascending seq. Per the contract,
    ``replay_complete`` is True on the last replay batch and on every live-tail batch."""
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
