"""The outbound queue: byte bound, round-robin fairness across topics, control frames first."""

from __future__ import annotations

import asyncio

from openagents_server.khala.writer import Writer


async def test_hot_topic_cannot_starve_a_quiet_one() -> None:
    sent: list[bytes] = []
    gate = asyncio.Event()

    async def send(frame: bytes) -> None:
        await gate.wait()
        sent.append(frame)

    writer = Writer(send, max_bytes=1 << 20)
    for i in range(100):
        assert writer.push("run:hot:events", b"hot%d" % i)
    assert writer.push("user:u1:notifications", b"quiet")
    writer.push_control(b"ack")
    task = asyncio.create_task(writer.run())
    gate.set()
    while len(sent) < 102:
        await asyncio.sleep(0.001)
    writer.close()
    await task
    assert sent[0] == b"ack"  # control frames first
    assert sent.index(b"quiet") <= 2  # behind at most one hot frame
    assert [f for f in sent if f.startswith(b"hot")] == [b"hot%d" % i for i in range(100)]  # order kept per topic


async def test_overflow_is_refused_and_replay_waits_for_room() -> None:
    release = asyncio.Event()

    async def send(frame: bytes) -> None:
        await release.wait()

    writer = Writer(send, max_bytes=1000)
    task = asyncio.create_task(writer.run())
    assert writer.push("t", b"x" * 400)
    assert writer.push("t", b"x" * 400)
    assert not writer.push("t", b"x" * 400)  # would exceed 1000 bytes: the caller evicts
    waiter = asyncio.create_task(writer.wait_for_room())
    await asyncio.sleep(0.01)
    assert not waiter.done()  # more than half full: replay pauses
    release.set()
    await asyncio.wait_for(waiter, 1)
    writer.close()
    await task


async def test_a_waiting_tagged_frame_can_be_replaced_within_the_byte_bound() -> None:
    sent: list[bytes] = []

    async def send(frame: bytes) -> None:
        sent.append(frame)

    writer = Writer(send, max_bytes=1000)
    assert writer.tail_tag("t") is None
    assert writer.push("t", b"a" * 100, (1, 1))
    assert writer.push("u", b"u" * 10)  # another topic's frame does not change t's tail
    assert writer.tail_tag("t") == (1, 1) and writer.tail_tag("u") is None
    assert writer.replace_tail("t", b"b" * 300, (1, 2))
    assert writer.queued_bytes == 310 and writer.tail_tag("t") == (1, 2)
    assert not writer.replace_tail("t", b"c" * 1200, (1, 3))  # past the bound: refused, nothing changed
    assert writer.queued_bytes == 310 and writer.tail_tag("t") == (1, 2)
    task = asyncio.create_task(writer.run())
    while writer.queued_bytes:
        await asyncio.sleep(0.001)
    writer.close()
    await task
    assert sorted(sent) == [b"b" * 300, b"u" * 10]
    assert writer.tail_tag("t") is None
