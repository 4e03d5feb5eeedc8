"""The browser's UpdateBatch reader agrees with protobuf: same content for every valid batch, and
it accepts nothing protobuf would refuse."""

from __future__ import annotations

import pytest
from google.protobuf.internal import api_implementation
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openagents_proto.errors import ContractError
from openagents_proto.sync import convert, fastwire
from openagents_proto.sync import domain as d
from openagents_proto.sync.v1 import khala_pb2

TOPIC = "run:1:events"

texts = st.text(max_size=40)
u64 = st.integers(0, 2**64 - 1)
updates = st.builds(khala_pb2.Update, topic=texts, doc_key=texts, doc_version=u64, payload=st.binary(max_size=300),
                    watermark=u64, payload_hash=texts)
cursors = st.builds(khala_pb2.TopicCursor, topic=texts, watermark=u64)
batches = st.builds(khala_pb2.UpdateBatch, updates=st.lists(updates, max_size=8), replay_complete=st.booleans(),
                    head_watermarks=st.lists(cursors, max_size=3))


def as_tuples(batch: object) -> tuple:
    return (
        [(u.topic, u.doc_key, u.doc_version, bytes(u.payload), u.watermark, u.payload_hash) for u in batch.updates],
        batch.replay_complete,
        [(c.topic, c.watermark) for c in batch.head_watermarks],
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches)
def test_same_content_as_protobuf_for_every_valid_batch(batch: khala_pb2.UpdateBatch) -> None:
    data = batch.SerializeToString()
    assert as_tuples(fastwire.parse_update_batch(data)) == as_tuples(khala_pb2.UpdateBatch.FromString(data))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches, st.binary(min_size=1, max_size=6))
def test_unknown_fields_are_skipped_like_protobuf(batch: khala_pb2.UpdateBatch, extra: bytes) -> None:
    # an unknown field 15 (LEN) and 14 (varint) spliced in at the end: both readers ignore them
    data = batch.SerializeToString() + b"\x7a" + bytes([len(extra)]) + extra + b"\x70\x96\x01"
    assert as_tuples(fastwire.parse_update_batch(data)) == as_tuples(khala_pb2.UpdateBatch.FromString(data))


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_never_accepts_bytes_protobuf_refuses(data: bytes) -> None:
    try:
        expected = as_tuples(khala_pb2.UpdateBatch.FromString(data))
    except DecodeError:
        with pytest.raises(fastwire.FastWireError):
            fastwire.parse_update_batch(data)
        return
    try:
        got = as_tuples(fastwire.parse_update_batch(data))
    except fastwire.FastWireError as exc:
        # the documented differences: groups, and tags beyond 32 bits (upb refuses those too; the
        # pure-Python protobuf backend skips them as unknown fields)
        assert any(text in str(exc) for text in ("wire type 3", "wire type 4", "field number out of range"))
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x0a\x05ab", "truncated length-delimited field"),
        (b"\x0a\x02\x0a\x01", "truncated length-delimited field"),
        (b"\x0a\x03\x0a\x01\xff", "not UTF-8"),
        (b"\x10" + b"\xff" * 11, "varint longer than 10 bytes"),
        (b"\x00\x01", "field number 0"),
        (b"\x0e", "unsupported wire type 6"),
    ],
)
def test_malformed_batches_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(fastwire.FastWireError, match=message):
        fastwire.parse_update_batch(data)


def test_decode_frame_gives_the_same_frame_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = d.UpdateBatch(updates=tuple(d.Update.build(topic=TOPIC, doc_key=f"k{i}", doc_version=i, body={"i": i},
                                                       watermark=i) for i in range(1, 201)), replay_complete=True)
    data = convert.encode_frame(d.Frame.batch(TOPIC, batch))
    monkeypatch.setattr(convert, "FAST_BATCH_DECODE", True)
    fast = convert.decode_frame(data, max_bytes=None)
    monkeypatch.setattr(convert, "FAST_BATCH_DECODE", False)
    assert convert.decode_frame(data, max_bytes=None) == fast


@pytest.mark.parametrize("fast", [True, False])
def test_a_truncated_batch_payload_is_a_named_contract_error(monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr(convert, "FAST_BATCH_DECODE", fast)
    data = khala_pb2.KhalaFrame(topic=TOPIC, seq=1, kind=khala_pb2.KHALA_FRAME_KIND_UPDATE_BATCH,
                                payload_bytes=b"\x0a\x05ab", schema_version=1).SerializeToString()
    with pytest.raises(ContractError) as caught:
        convert.decode_frame(data)
    assert (caught.value.field, caught.value.reason) == ("payload_bytes", "malformed")


@pytest.mark.parametrize(
    ("reader_type", "message"),
    [(fastwire.WireUpdate, khala_pb2.Update), (fastwire.WireBatch, khala_pb2.UpdateBatch),
     (fastwire.WireCursor, khala_pb2.TopicCursor)],
)
def test_reader_knows_every_field_of_the_schema(reader_type: type, message: type) -> None:
    # a field added to khala.proto but not to fastwire would be dropped on the browser path
    assert set(reader_type.__slots__) == set(message.DESCRIPTOR.fields_by_name)


def test_a_tag_beyond_32_bits_is_refused_like_upb_does() -> None:
    # found by hypothesis: field number 2**29 does not exist
    if api_implementation.Type() == "upb":
        with pytest.raises(DecodeError):
            khala_pb2.UpdateBatch.FromString(b"\x80\x80\x80\x80\x10\x00")
    with pytest.raises(fastwire.FastWireError, match="field number out of range"):
        fastwire.parse_update_batch(b"\x80\x80\x80\x80\x10\x00")
