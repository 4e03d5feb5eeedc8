"""The notification bus: every channel on one connection, and subscribers told when it drops."""

from __future__ import annotations

import asyncio

import asyncpg
from openagents_server.db.bus import PostgresBus


async def _until(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_one_connection_delivers_every_channel_to_every_handler(database_url: str, db: asyncpg.Connection) -> None:
    bus = PostgresBus(database_url)
    a, b, c = [], [], []
    await bus.listen("oa_test_one", a.append)
    await bus.start()
    try:
        await bus.listen("oa_test_one", b.append)
        await bus.listen("oa_test_two", c.append)  # after start: listened at once
        await db.execute("SELECT pg_notify('oa_test_one', 'x'), pg_notify('oa_test_two', 'y')")
        await _until(lambda: a and b and c)
        assert (a, b, c) == (["x"], ["x"], ["y"])
        listeners = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        assert listeners == 1
    finally:
        await bus.stop()


async def test_a_dropped_connection_is_reported_and_reconnected(database_url: str, db: asyncpg.Connection) -> None:
    bus = PostgresBus(database_url, reconnect_delay=0.05)
    states: list[bool] = []
    seen: list[str] = []
    bus.on_state(states.append)
    await bus.listen("oa_test_drop", seen.append)
    await bus.start()
    try:
        await db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        await _until(lambda: states == [True, False, True])
        await db.execute("SELECT pg_notify('oa_test_drop', 'after')")
        await _until(lambda: seen == ["after"])
    finally:
        await bus.stop()
    assert states == [True, False, True, False]


async def test_a_failing_handler_does_not_silence_the_others(database_url: str, db: asyncpg.Connection) -> None:
    bus = PostgresBus(database_url)
    seen: list[str] = []

    def broken(_payload: str) -> None:
        raise RuntimeError("boom")

    await bus.listen("oa_test_bad", broken)
    await bus.listen("oa_test_bad", seen.append)
    await bus.start()
    try:
        await db.execute("SELECT pg_notify('oa_test_bad', 'p')")
        await _until(lambda: seen == ["p"])
    finally:
        await bus.stop()
