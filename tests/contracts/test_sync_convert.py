"""Khala sync v1 wire <-> domain conversion: every kind round-trips; every bad input is named."""

from __future__ import annotations

import pytest
from openagents_proto.canonical import hash_bytes
from openagents_proto.errors import ContractError
from openagents_proto.sync import codes, convert
from openagents_proto.sync import domain as d
from openagents_proto.sync.limits import MAX_BATCH_UPDATES, MAX_INBOUND_FRAME_BYTES, MAX_PAYLOAD_BYTES
from openagents_proto.sync.v1 import errors_pb2, khala_pb2

TOPIC = "run:019c7f31:events"


def update(watermark: int, topic: str = TOPIC, body: object = None) -> d.Update:
    return d.Update.build(topic=topic, doc_key=f"doc:{watermark}", doc_version=watermark,
                          body=body if body is not None else {"n": watermark}, watermark=watermark)


def batch_frame(*watermarks: int) -> d.Frame:
    return d.Frame.batch(TOPIC, d.UpdateBatch(updates=tuple(update(w) for w in watermarks), replay_complete=True,
                                              head_watermarks=(d.TopicCursor(topic=TOPIC, watermark=max(watermarks)),)))


def wire(frame: d.Frame, **overrides: object) -> khala_pb2.KhalaFrame:
    pb = convert.frame_to_wire(frame)
    for name, value in overrides.items():
        setattr(pb, name, value)
    return pb


def wire_batch(*updates: khala_pb2.Update, topic: str = TOPIC, seq: int | None = None) -> bytes:
    payload = khala_pb2.UpdateBatch(updates=list(updates)).SerializeToString()
    last = updates[-1].watermark if updates else 1
    return khala_pb2.KhalaFrame(topic=topic, seq=last if seq is None else seq, kind=khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH,
                                payload_bytes=payload, schema_version=1).SerializeToString()


def pb_update(seq: int, **overrides: object) -> khala_pb2.Update:
    u = update(seq)
    fields = {"topic": u.topic, "doc_key": u.doc_key, "doc_version": u.doc_version, "payload": u.payload,
              "watermark": u.watermark, "payload_hash": u.payload_hash, **overrides}
    return khala_pb2.Update(**fields)


def rejected(data: bytes, **kwargs: object) -> ContractError:
    with pytest.raises(ContractError) as caught:
        convert.decode_frame(data, **kwargs)
    return caught.value


EVERY_KIND = [
    d.Frame(message=d.Hello(sync_token="eyJ.tok.sig", client_build_id="20260221T130000Z",
                            protocol_version="khala.ws.v1", schema_version=1, surface=d.ClientSurface.WEB,
                            device_id="browser:1")),
    d.Frame(message=d.HelloOk(connection_id="c1", protocol_version="khala.ws.v1", schema_version=1,
                              heartbeat_interval_ms=20_000, idle_timeout_ms=60_000,
                              max_inbound_frame_bytes=65_536, max_batch_updates=200,
                              token_expires_at_unix_ms=1_771_700_400_000, server_build_id="b1")),
    d.Frame(message=d.Subscribe(topics=(TOPIC, "user:1:workers"), request_id="r1",
                                resume_after=(d.TopicCursor(topic=TOPIC, watermark=307),))),
    d.Frame(message=d.Subscribed(request_id="r1", topics=(TOPIC,),
                                 head_watermarks=(d.TopicCursor(topic=TOPIC, watermark=400),))),
    d.Frame(message=d.Unsubscribe(topics=(TOPIC,), request_id="r2")),
    batch_frame(308, 309, 311),
    d.Frame(message=d.Heartbeat(watermarks=(d.TopicCursor(topic=TOPIC, watermark=311),), sent_at_unix_ms=5)),
    d.Frame(message=codes.error(d.SyncErrorCode.STALE_CURSOR, "cursor too old", request_id="r1", stale_cursors=(
        d.StaleCursor(topic=TOPIC, reason=d.StaleCursorReason.REPLAY_BUDGET_EXCEEDED, requested_watermark=10,
                      retention_floor=5, head_watermark=30_000, replay_budget=20_000,
                      snapshot_path="/api/sync/snapshot?topic=run:019c7f31:events"),)), topic=TOPIC),
]


@pytest.mark.parametrize("frame", EVERY_KIND, ids=lambda f: f.kind.value)
def test_every_frame_kind_round_trips_through_bytes(frame: d.Frame) -> None:
    data = convert.encode_frame(frame)
    assert khala_pb2.KhalaFrame.FromString(data).kind == khala_pb2.KhalaFrameKind.Value(
        "KHALA_FRAME_KIND_" + frame.kind.name)
    assert convert.decode_frame(data) == frame


def test_frame_kinds_cover_the_proto_enum() -> None:
    wire_kinds = {n.removeprefix("KHALA_FRAME_KIND_").lower() for n in khala_pb2.KhalaFrameKind.keys()} - {"unspecified"}  # noqa: SIM118
    assert wire_kinds == {k.value for k in d.FrameKind} == {f.kind.value for f in EVERY_KIND}


def test_error_codes_cover_the_proto_enum_and_each_has_semantics() -> None:
    wire_codes = {n.removeprefix("SYNC_ERROR_CODE_").lower() for n in errors_pb2.SyncErrorCode.keys()} - {"unspecified"}  # noqa: SIM118
    assert wire_codes == {c.value for c in d.SyncErrorCode} == {c.value for c in codes.SEMANTICS}


def test_batch_frame_seq_is_the_last_watermark_and_bodies_decode() -> None:
    frame = convert.decode_frame(convert.encode_frame(batch_frame(7, 8)))
    assert frame.seq == 8
    assert [u.body() for u in frame.message.updates] == [{"n": 7}, {"n": 8}]


def test_hello_repr_does_not_leak_the_token() -> None:
    assert "eyJ.tok.sig" not in repr(EVERY_KIND[0].message)


# --- named failures -------------------------------------------------------------------------------


def test_missing_topic_on_an_update_batch() -> None:
    error = rejected(wire(batch_frame(1), topic="").SerializeToString())
    assert (error.field, error.reason) == ("topic", "missing")


def test_seq_zero_on_an_update_batch() -> None:
    error = rejected(wire(batch_frame(1), seq=0).SerializeToString())
    assert (error.field, error.reason) == ("seq", "out_of_range")


def test_seq_that_is_not_the_last_watermark() -> None:
    error = rejected(wire(batch_frame(1, 2), seq=5).SerializeToString())
    assert (error.field, error.reason) == ("seq", "mismatch")


@pytest.mark.parametrize("kind", [0, 99])
def test_unknown_or_unspecified_kind(kind: int) -> None:
    error = rejected(wire(batch_frame(1), kind=kind).SerializeToString())
    assert (error.field, error.reason) == ("kind", "unknown_enum")


@pytest.mark.parametrize("version", [0, 2])
def test_wrong_schema_version(version: int) -> None:
    error = rejected(wire(EVERY_KIND[6], schema_version=version).SerializeToString())
    assert (error.field, error.reason) == ("schema_version", "unsupported_version")


def test_oversized_frame_is_refused_before_parsing() -> None:
    data = b"\x0a" + b"\xff" * MAX_INBOUND_FRAME_BYTES
    error = rejected(data)
    assert (error.field, error.reason) == ("frame", "too_large")


def test_oversized_update_payload() -> None:
    big = b'"' + b"x" * MAX_PAYLOAD_BYTES + b'"'
    data = wire_batch(pb_update(1, payload=big, payload_hash=hash_bytes(big)))
    error = rejected(data, max_bytes=None)
    assert (error.field, error.reason) == ("update_batch.updates[0].payload", "too_large")


def test_payload_hash_mismatch() -> None:
    data = wire_batch(pb_update(1), pb_update(2, payload=b'{"n":999}'))
    error = rejected(data)
    assert (error.field, error.reason) == ("update_batch.updates[1].payload_hash", "hash_mismatch")


def test_payload_hash_without_prefix() -> None:
    error = rejected(wire_batch(pb_update(1, payload_hash="deadbeef")))
    assert (error.field, error.reason) == ("update_batch.updates[0].payload_hash", "malformed")


def test_watermarks_must_strictly_increase() -> None:
    error = rejected(wire_batch(pb_update(3), pb_update(3)))
    assert (error.field, error.reason) == ("update_batch.updates[1].watermark", "out_of_range")


def test_update_of_another_topic() -> None:
    error = rejected(wire_batch(pb_update(1), pb_update(2, topic="user:1:workers")))
    assert (error.field, error.reason) == ("update_batch.updates[1].topic", "mismatch")


def test_update_watermark_zero() -> None:
    error = rejected(wire_batch(pb_update(1, watermark=0), seq=1))
    assert (error.field, error.reason) == ("update_batch.updates[0].watermark", "out_of_range")


def test_empty_and_overfull_batches() -> None:
    empty = khala_pb2.KhalaFrame(topic=TOPIC, seq=1, kind=khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH, schema_version=1)
    error = rejected(empty.SerializeToString())
    assert (error.field, error.reason) == ("update_batch.updates", "missing")
    error = rejected(wire_batch(*(pb_update(w) for w in range(1, MAX_BATCH_UPDATES + 2))), max_bytes=None)
    assert (error.field, error.reason) == ("update_batch.updates", "too_large")


def test_garbage_bytes_and_garbage_payload() -> None:
    error = rejected(b"\xff\xff\xff")
    assert (error.field, error.reason) == ("frame", "malformed")
    bad_payload = khala_pb2.KhalaFrame(kind=khala_pb2.KHALA_FRAME_KIND_HEARTBEAT, payload_bytes=b"\xff\xff",
                                       schema_version=1).SerializeToString()
    error = rejected(bad_payload)
    assert (error.field, error.reason) == ("payload_bytes", "malformed")


def test_connection_frames_carry_no_seq_or_topic() -> None:
    error = rejected(wire(EVERY_KIND[6], seq=3).SerializeToString())
    assert (error.field, error.reason) == ("seq", "out_of_range")
    error = rejected(wire(EVERY_KIND[6], topic=TOPIC).SerializeToString())
    assert (error.field, error.reason) == ("topic", "out_of_range")


def hello_bytes(**fields: object) -> bytes:
    base = {"sync_token": "t", "client_build_id": "b", "protocol_version": "khala.ws.v1", "schema_version": 1}
    payload = khala_pb2.Hello(**{**base, **fields}).SerializeToString()
    return khala_pb2.KhalaFrame(kind=khala_pb2.KHALA_FRAME_KIND_HELLO, payload_bytes=payload,
                                schema_version=1).SerializeToString()


@pytest.mark.parametrize("field", ["sync_token", "client_build_id", "protocol_version", "schema_version"])
def test_hello_values_are_judged_by_the_window_and_the_token_check_not_the_decoder(field: str) -> None:
    """An empty token, build or protocol, or schema 0, decodes: the window refuses it (4026) or the
    token check does (4001), never the decoder (bad_frame)."""
    hello = convert.decode_frame(hello_bytes(**{field: 0 if field == "schema_version" else ""})).message
    assert isinstance(hello, d.Hello) and not getattr(hello, field)


def test_hello_token_is_bounded() -> None:
    error = rejected(hello_bytes(sync_token="x" * 9000))
    assert (error.field, error.reason) == ("hello.sync_token", "too_large")


def subscribe_bytes(topics: list[str], cursors: list[tuple[str, int]] = ()) -> bytes:
    payload = khala_pb2.Subscribe(topics=topics, resume_after=[khala_pb2.TopicCursor(topic=t, watermark=w)
                                                              for t, w in cursors]).SerializeToString()
    return khala_pb2.KhalaFrame(kind=khala_pb2.KHALA_FRAME_KIND_SUBSCRIBE, payload_bytes=payload,
                                schema_version=1).SerializeToString()


@pytest.mark.parametrize(
    ("topics", "cursors", "field", "reason"),
    [
        ([], [], "subscribe.topics", "missing"),
        ([TOPIC, TOPIC], [], "subscribe.topics", "duplicate"),
        ([TOPIC, "bad topic!"], [], "subscribe.topics[1]", "malformed"),
        ([f"run:{i}:events" for i in range(65)], [], "subscribe.topics", "too_large"),
        ([TOPIC], [("user:1:workers", 3)], "subscribe.resume_after[0].topic", "mismatch"),
        ([TOPIC], [(TOPIC, 3), (TOPIC, 4)], "subscribe.resume_after[1].topic", "duplicate"),
    ],
)
def test_bad_subscriptions(topics: list[str], cursors: list, field: str, reason: str) -> None:
    error = rejected(subscribe_bytes(topics, cursors))
    assert (error.field, error.reason) == (field, reason)


def test_subscribe_watermark_for_defaults_to_zero() -> None:
    frame = convert.decode_frame(subscribe_bytes([TOPIC, "user:1:workers"], [(TOPIC, 42)]))
    assert frame.message.watermark_for(TOPIC) == 42
    assert frame.message.watermark_for("user:1:workers") == 0


def test_stale_cursor_error_must_name_a_topic() -> None:
    payload = errors_pb2.Error(code=errors_pb2.SYNC_ERROR_CODE_STALE_CURSOR, message="old").SerializeToString()
    data = khala_pb2.KhalaFrame(kind=khala_pb2.KHALA_FRAME_KIND_ERROR, payload_bytes=payload,
                                schema_version=1).SerializeToString()
    error = rejected(data)
    assert (error.field, error.reason) == ("error.stale_cursors", "missing")


def test_encode_refuses_what_a_peer_would_reject() -> None:
    bad = d.Frame(message=d.Subscribe(topics=()))
    with pytest.raises(ContractError) as caught:
        convert.encode_frame(bad)
    assert caught.value.field == "subscribe.topics"


def test_error_helper_fills_contract_semantics() -> None:
    revoked = codes.error(d.SyncErrorCode.REAUTH_REQUIRED, "session revoked")
    assert (revoked.close_code, revoked.retryable, revoked.recovery) == (4010, False, d.RecoveryHint.REAUTHENTICATE)
    slow = codes.error(d.SyncErrorCode.SLOW_CONSUMER, "queue full")
    assert (slow.close_code, slow.retryable, slow.recovery) == (4008, True, d.RecoveryHint.RESUME)


def _break_payload(frame: d.Frame, mutate: object) -> bytes:
    pb = convert.frame_to_wire(frame)
    message = convert.message_to_wire(frame.message)
    mutate(message)
    pb.payload_bytes = message.SerializeToString()
    return pb.SerializeToString()


def _clear(name: str) -> object:
    return lambda m: m.ClearField(name)


# one named failure per frame kind, next to its happy path in EVERY_KIND
KIND_FAILURES = {
    "hello": (lambda m: setattr(m, "client_build_id", "b" * 129), "hello.client_build_id", "too_large"),
    "hello_ok": (lambda m: setattr(m, "schema_version", 7), "hello_ok.schema_version", "unsupported_version"),
    "subscribe": (lambda m: m.resume_after.add(topic="user:1:workers", watermark=1),
                  "subscribe.resume_after[2].topic", "duplicate"),
    "subscribed": (lambda m: m.head_watermarks.add(topic="no spaces allowed", watermark=1),
                   "subscribed.head_watermarks[1].topic", "malformed"),
    "unsubscribe": (_clear("topics"), "unsubscribe.topics", "missing"),
    "update_batch": (lambda m: setattr(m.updates[1], "doc_version", 0), "update_batch.updates[1].doc_version",
                     "out_of_range"),
    "heartbeat": (lambda m: m.watermarks.add(topic=TOPIC, watermark=1), "heartbeat.watermarks[1].topic",
                  "duplicate"),
    "error": (lambda m: setattr(m, "code", 0), "error.code", "unknown_enum"),
}


@pytest.mark.parametrize("frame", EVERY_KIND, ids=lambda f: f.kind.value)
def test_every_frame_kind_has_a_named_failure(frame: d.Frame) -> None:
    mutate, field, reason = KIND_FAILURES[frame.kind.value]
    if frame.kind is d.FrameKind.SUBSCRIBE:
        # resume "user:1:workers" twice: once valid, once duplicated
        frame = d.Frame(message=d.Subscribe(topics=frame.message.topics, request_id="r1", resume_after=(
            *frame.message.resume_after, d.TopicCursor(topic="user:1:workers", watermark=0))))
    error = rejected(_break_payload(frame, mutate), max_bytes=None)
    assert (error.field, error.reason) == (field, reason), str(error)
