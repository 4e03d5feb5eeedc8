"""The original system's Khala frame vectors, run through our validation."""

from __future__ import annotations

import pytest
from openagents_proto.errors import ContractError
from openagents_proto.sync import convert
from openagents_proto.sync import domain as d
from openagents_proto.sync.json_form import frame_from_json

from tests.contracts.conftest import load_fixture

FRAMES = {f["name"]: f["frame"] for f in load_fixture("khala-frame-v1.json")["fixtures"]}


def test_replay_batch_vector_converts_and_survives_a_binary_round_trip() -> None:
    frame = frame_from_json(FRAMES["replay_batch"])
    assert frame.kind is d.FrameKind.UPDATE_BATCH
    assert (frame.topic, frame.seq) == ("runtime.run_summaries", 42)
    batch = frame.message
    assert isinstance(batch, d.UpdateBatch)
    assert not batch.replay_complete
    (update,) = batch.updates
    assert (update.doc_key, update.doc_version, update.watermark) == ("run:42", 42, 42)
    assert update.body() == {"status": "running"}
    assert batch.head_watermarks == (d.TopicCursor(topic="runtime.run_summaries", watermark=45),)
    assert convert.decode_frame(convert.encode_frame(frame)) == frame


def test_live_tail_batch_vector_is_rejected_as_invalid_json() -> None:
    with pytest.raises(ContractError) as caught:
        frame_from_json(FRAMES["live_tail_batch"])
    assert caught.value.field == "payload_bytes"
    assert caught.value.reason == "invalid_json"
    assert "invalid JSON at line 1 column 96" in str(caught.value)


def test_stale_cursor_vector_becomes_a_retention_floor_breach_with_rehydrate() -> None:
    frame = frame_from_json(FRAMES["stale_cursor_error"])
    error = frame.message
    assert isinstance(error, d.SyncError)
    assert error.code is d.SyncErrorCode.STALE_CURSOR
    assert error.recovery is d.RecoveryHint.REHYDRATE
    (stale,) = error.stale_cursors
    assert stale.reason is d.StaleCursorReason.RETENTION_FLOOR_BREACH
    assert (stale.topic, stale.requested_watermark, stale.retention_floor) == ("runtime.run_summaries", 10, 42)
    assert convert.decode_frame(convert.encode_frame(frame)) == frame


@pytest.mark.parametrize(
    ("mutation", "field", "reason"),
    [
        ({"kind": "KHALA_FRAME_KIND_BOGUS"}, "kind", "unknown_enum"),
        ({"payload_bytes": "%%%"}, "payload_bytes", "malformed"),
        ({"schema_version": 2}, "schema_version", "unsupported_version"),
        ({"seq": 0}, "seq", "out_of_range"),
        ({"topic": ""}, "topic", "missing"),
    ],
)
def test_mutated_replay_batch_is_rejected_naming_the_field(mutation: dict, field: str, reason: str) -> None:
    with pytest.raises(ContractError) as caught:
        frame_from_json({**FRAMES["replay_batch"], **mutation})
    assert (caught.value.field, caught.value.reason) == (field, reason)
