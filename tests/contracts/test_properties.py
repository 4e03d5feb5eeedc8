"""Properties over generated inputs: canonical JSON is a fixed point, valid frames round-trip, and
no byte string makes the frame decoder raise anything but ContractError."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openagents_proto.canonical import canonical_json, is_canonical, normalize, parse_json, payload_hash
from openagents_proto.errors import ContractError
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from openagents_proto.sync.v1 import khala_pb2

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
topics = st.from_regex(r"[a-z]{1,8}:[A-Za-z0-9._-]{1,20}:events", fullmatch=True)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_canonical_json_is_a_fixed_point_and_parses_back(value: object) -> None:
    encoded = canonical_json(value)
    assert is_canonical(encoded)
    assert parse_json(encoded) == normalize(value)
    assert canonical_json(parse_json(encoded)) == encoded


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_hash_ignores_key_order(value: dict) -> None:
    reordered = dict(reversed(list(value.items())))
    assert payload_hash(reordered) == payload_hash(value)
    assert json.loads(canonical_json(value)) == normalize(value)


@st.composite
def batch_frames(draw: st.DrawFn) -> d.Frame:
    topic = draw(topics)
    watermarks = sorted(draw(st.sets(st.integers(1, 2**40), min_size=1, max_size=20)))
    updates = tuple(
        d.Update.build(topic=topic, doc_key=draw(st.text("abc:0123", min_size=1, max_size=12)),
                       doc_version=draw(st.integers(1, 2**40)), body=draw(json_values), watermark=w)
        for w in watermarks
    )
    heads = (d.TopicCursor(topic=topic, watermark=watermarks[-1] + draw(st.integers(0, 100))),)
    return d.Frame.batch(topic, d.UpdateBatch(updates=updates, replay_complete=draw(st.booleans()),
                                              head_watermarks=heads))


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(batch_frames())
def test_valid_batches_round_trip(frame: d.Frame) -> None:
    assert convert.decode_frame(convert.encode_frame(frame), max_bytes=None) == frame


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=512))
def test_arbitrary_bytes_only_ever_raise_contract_error(data: bytes) -> None:
    try:
        convert.decode_frame(data)
    except ContractError as exc:
        assert exc.field and exc.reason


@settings(max_examples=400, deadline=None)
@given(kind=st.integers(0, 10), payload=st.binary(max_size=256), topic=st.text(max_size=30),
       seq=st.integers(0, 2**64 - 1), schema=st.integers(0, 3))
def test_well_framed_garbage_payloads_only_ever_raise_contract_error(
        kind: int, payload: bytes, topic: str, seq: int, schema: int) -> None:
    data = khala_pb2.KhalaFrame(topic=topic, seq=seq, kind=kind, payload_bytes=payload,
                                schema_version=schema).SerializeToString()
    try:
        frame = convert.decode_frame(data)
    except ContractError as exc:
        assert exc.field and exc.reason
    else:
        assert convert.decode_frame(convert.encode_frame(frame)) == frame
