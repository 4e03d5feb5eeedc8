"""Bad input: each gets its error and close, and the server keeps serving everyone else."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openagents_proto.sync import domain as d
from openagents_proto.sync.v1 import khala_pb2
from openagents_server.khala import codec, log
from openagents_server.khala.frames import FrameError
from openagents_server.khala.internal_auth import sign
from openagents_server.settings import Settings

from tests.khala.support import BUILD, Closed, KhalaClient, token

KEY = Settings().internal_api_key
METRICS = "/api/internal/khala/metrics"

TOPIC = "user:u1:workers"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "protocol"


def _hello_bytes() -> bytes:
    return codec.encode_client(d.Hello(sync_token=token(), client_build_id=BUILD, protocol_version="khala.ws.v1",
                                       schema_version=1))


def _unknown_kind() -> bytes:
    return khala_pb2.KhalaFrame(kind=99, payload_bytes=b"", schema_version=1).SerializeToString()


def _oversized() -> bytes:
    return codec.encode_client(d.Hello(sync_token="x" * 8000, client_build_id=BUILD, protocol_version="khala.ws.v1",
                                       schema_version=1)) + b"\x00" * (64 * 1024)


# Frames are built per test (lambdas): a token minted at collection time would expire in a long run.
CASES = {
    "garbage": (lambda: [b"\xff\xfe\x00garbage\x13\x37" * 3], 1002),
    "truncated_protobuf": (lambda: [_hello_bytes()[:-7]], 1002),
    "unknown_kind": (lambda: [_unknown_kind()], 1002),
    "text_frame": (lambda: ["{\"kind\": \"HELLO\"}"], 1002),
    "oversized_frame": (lambda: [_oversized()], 1009),
    "subscribe_before_hello": (lambda: [codec.encode_client(d.Subscribe(topics=(TOPIC,)))], 1002),
    "server_frame_from_client": (lambda: [codec.encode_client(d.Heartbeat()), ], 1002),
    "second_hello": (lambda: [_hello_bytes(), _hello_bytes()], 1002),
}


@pytest.fixture
def server(live_server):
    return live_server()


@pytest.mark.parametrize("case", sorted(CASES))
async def test_bad_frames_get_their_error_and_close(server, db: asyncpg.Connection, case: str) -> None:
    # A healthy client streams throughout.
    healthy = await KhalaClient.connect(server.ws_url)
    await healthy.hello()
    await healthy.subscribe([TOPIC])
    make_frames, expected_code = CASES[case]
    frames = make_frames()
    bad = await KhalaClient.connect(server.ws_url)
    for frame in frames:
        await bad.send_raw(frame)
    closed = await bad.expect_close()
    assert closed.code == expected_code
    if expected_code == 1009:
        assert closed.error is not None and closed.error.code is d.SyncErrorCode.PAYLOAD_TOO_LARGE
    else:
        assert closed.error is not None and closed.error.code is d.SyncErrorCode.BAD_FRAME
        assert closed.error.retryable is False
    await log.append(db, TOPIC, doc_key="still", payload={"ok": True})
    await healthy.batches({TOPIC: 1}, timeout=5)
    await healthy.close()


async def test_a_thousand_subscribes_in_a_second_are_rate_limited(server) -> None:
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    frame = codec.encode_client(d.Subscribe(topics=(TOPIC,), request_id="flood"))
    try:
        for _ in range(1000):
            await client.send_raw(frame)
    except Exception:  # noqa: BLE001, S110 - the server may close while we are still sending
        pass
    closed = await client.expect_close()
    if closed.code is None:
        # granian drops the TCP connection right after our close frame; with the client's flood still
        # in flight, the peer's reset can destroy that frame before the client reads it. The server's
        # own record then proves it closed the socket for the right reason.
        async with httpx.AsyncClient(base_url=server.url) as http:
            metrics = (await http.get(METRICS, headers=sign(KEY, "GET", METRICS))).json()["data"]["node"]
        assert metrics["recent_disconnects"][-1]["close_code"] == 4029
        assert metrics["disconnects"].get("inbound_rate_limited") == 1
        return
    assert closed.code == 4029
    assert closed.error is not None and closed.error.code is d.SyncErrorCode.RATE_LIMITED and closed.error.retryable


async def test_unknown_topic_is_refused_but_the_socket_stays_open(server, db: asyncpg.Connection) -> None:
    client = await KhalaClient.connect(server.ws_url)
    await client.hello()
    await client.send(d.Subscribe(topics=("chat:42:messages",), request_id="bad"))
    error = await client.recv()
    assert isinstance(error, d.SyncError) and error.code is d.SyncErrorCode.BAD_SUBSCRIPTION
    assert error.close_code == 0 and error.request_id == "bad"
    await client.subscribe([TOPIC])
    await log.append(db, TOPIC, doc_key="x", payload=1)
    await client.batches({TOPIC: 1})
    await client.close()


def test_reference_negative_vector_is_rejected_by_the_decoder() -> None:
    """The original system's live_tail_batch fixture decodes to invalid JSON: a client frame of garbage."""
    fixture = json.loads((FIXTURES / "khala-frame-v1.json").read_text())
    for item in fixture["fixtures"]:
        with pytest.raises(FrameError):
            codec.decode_client(item["frame"]["payload_bytes"].encode())


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_fuzz_decoder_raises_only_frame_errors(data: bytes) -> None:
    try:
        message = codec.decode_client(data)
    except FrameError:
        return
    assert isinstance(message, codec.CLIENT_KINDS)


_valid = st.sampled_from([
    _hello_bytes(),
    codec.encode_client(d.Subscribe(topics=(TOPIC, "run:r1:events"),
                                    resume_after=(d.TopicCursor(topic=TOPIC, watermark=3),), request_id="r")),
    codec.encode_client(d.Unsubscribe(topics=(TOPIC,))),
])


@settings(max_examples=1500, deadline=None)
@given(_valid, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6), st.integers(0, 400))
def test_fuzz_mutated_valid_frames_never_crash_the_decoder(frame: bytes, flips: list, cut: int) -> None:
    data = bytearray(frame)
    for position, value in flips:
        if data:
            data[position % len(data)] = value
    data = data[: max(0, len(data) - cut % (len(data) + 1))]
    try:
        codec.decode_client(bytes(data))
    except FrameError:
        pass


async def test_server_survives_a_burst_of_bad_clients(server) -> None:
    async def abuse(i: int) -> int | None:
        c = await KhalaClient.connect(server.ws_url)
        await c.send_raw(bytes([i % 256]) * (i + 1))
        try:
            return (await c.expect_close()).code
        except Closed as closed:  # pragma: no cover
            return closed.code

    codes = await asyncio.gather(*(abuse(i) for i in range(40)))
    assert all(code in (1002, 1009) for code in codes), codes
    healthy = await KhalaClient.connect(server.ws_url)
    await healthy.hello()
    await healthy.close()
