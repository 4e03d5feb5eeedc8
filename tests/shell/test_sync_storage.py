"""IndexedDB ``openagents.web.sync`` over the fake host: watermarks survive a reload, writes are
throttled and flushed, partitions are per person, and every kind of broken database still boots."""

from __future__ import annotations

import asyncio
import json

import pytest
from openagents_shell.host.fake import FakeKeyValueDb
from openagents_shell.sync.storage import DB_NAME, SCHEMA_VERSION, SEP, STORES, THROTTLE_S, SyncStore

TOPIC = "user:u1:notifications"


class Clock:
    def __init__(self) -> None:
        self.t = 100.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def store(db: FakeKeyValueDb, clock: Clock | None = None) -> SyncStore:
    clock = clock or Clock()
    return SyncStore(db, sleep=clock.sleep, now=clock.now)


async def test_watermarks_survive_a_reload_per_partition() -> None:
    db = FakeKeyValueDb()
    first = store(db)
    await first.open()
    assert first.durable
    await first.save("user:u1", TOPIC, 7)
    await first.save("public", "feed:public", 40)
    await first.flush()
    reloaded = store(db)
    await reloaded.open()
    assert await reloaded.load("user:u1") == {TOPIC: 7}
    assert await reloaded.load("public") == {"feed:public": 40}
    assert await reloaded.load("user:u2") == {}


async def test_writes_are_throttled_to_one_batch_per_800_ms() -> None:
    db, clock = FakeKeyValueDb(), Clock()
    s = store(db, clock)
    await s.open()
    await s.save("public", "feed:public", 1)
    await settle()
    assert s.writes == 1  # the first write goes at once
    for seq in range(2, 50):
        await s.save("public", "feed:public", seq)
    await settle()
    assert s.writes == 2 and clock.slept == [pytest.approx(THROTTLE_S)]
    assert db.databases[DB_NAME][1]["watermarks"]["public" + SEP + "feed:public"] == "49"


async def test_sign_out_clears_that_persons_data_only() -> None:
    db = FakeKeyValueDb()
    s = store(db)
    await s.open()
    await s.save("user:a", TOPIC, 3)
    await s.put_document("user:a", TOPIC, "n1", 1, 3, {"text": "secret of a"})
    await s.save("user:b", "user:b:notifications", 5)
    await s.clear_partition("user:a")
    reloaded = store(db)
    await reloaded.open()
    assert await reloaded.load("user:a") == {}
    assert reloaded.documents_of("user:a", TOPIC) == []
    assert await reloaded.load("user:b") == {"user:b:notifications": 5}


async def test_documents_are_kept_in_watermark_order() -> None:
    db = FakeKeyValueDb()
    s = store(db)
    await s.open()
    await s.put_document("user:a", TOPIC, "n2", 1, 9, {"t": 2})
    await s.put_document("user:a", TOPIC, "n1", 2, 4, {"t": 1})
    await s.flush()
    reloaded = store(db)
    await reloaded.open()
    assert reloaded.documents_of("user:a", TOPIC) == [("n1", 2, 4, {"t": 1}), ("n2", 1, 9, {"t": 2})]


async def test_a_database_from_the_future_is_reset_and_the_shell_still_boots() -> None:
    db = FakeKeyValueDb(databases={DB_NAME: (SCHEMA_VERSION + 5, {"x": {"k": "v"}})})
    s = store(db)
    await s.open()
    assert s.durable and s.resets == ["future_version"] and db.deleted == 1
    assert db.databases[DB_NAME][0] == SCHEMA_VERSION


async def test_a_deleted_store_resets_the_database_and_keeps_the_watermarks_it_read() -> None:
    db = FakeKeyValueDb()
    s = store(db)
    await s.open()
    await s.save("user:a", TOPIC, 3)
    await s.flush()
    del db.databases[DB_NAME][1]["documents"]
    again = store(db)
    await again.open()
    assert again.durable and again.resets == ["deleted_store"]
    assert set(db.databases[DB_NAME][1]) == set(STORES)
    assert await again.load("user:a") == {TOPIC: 3}
    await settle()  # written back into the new database
    assert db.databases[DB_NAME][1]["watermarks"] == {"user:a" + SEP + TOPIC: "3"}


async def test_a_corrupt_record_is_dropped_and_sound_watermarks_are_kept() -> None:
    db = FakeKeyValueDb()
    s = store(db)
    await s.open()
    await s.save("user:a", TOPIC, 3)
    await s.flush()
    records = db.databases[DB_NAME][1]["watermarks"]
    records["user:a" + SEP + "bad"] = "{not json"
    records["nonsense"] = "5"
    db.databases[DB_NAME][1]["documents"]["user:a" + SEP + TOPIC + SEP + "d"] = json.dumps({"v": "x"})
    again = store(db)
    await again.open()
    assert await again.load("user:a") == {TOPIC: 3}
    assert again.resets == ["corrupt_record"]
    assert set(records) == {"user:a" + SEP + TOPIC}


async def test_a_quota_error_resets_and_keeps_the_sound_watermarks() -> None:
    db = FakeKeyValueDb()
    s = store(db)
    await s.open()
    await s.save("user:a", TOPIC, 3)
    await s.flush()
    db.fail_writes = "quota"
    await s.save("user:a", TOPIC, 4)
    await s.flush()
    assert s.resets == ["quota"]
    await s.flush()  # the watermarks are written again into the fresh database
    assert db.databases[DB_NAME][1]["watermarks"] == {"user:a" + SEP + TOPIC: "4"}


async def test_without_indexeddb_it_runs_from_memory() -> None:
    s = SyncStore(None)
    await s.open()
    await s.save("public", "feed:public", 2)
    assert not s.durable and await s.load("public") == {"feed:public": 2}


async def test_view_state_survives_a_reload_and_is_deleted_with_none() -> None:
    db = FakeKeyValueDb()
    s = store(db)
    await s.open()
    await s.put_view("me", {"id": "u1"})
    await s.flush()
    again = store(db)
    await again.open()
    assert again.view("me") == {"id": "u1"}
    await again.put_view("me", None)
    await again.flush()
    third = store(db)
    await third.open()
    assert third.view("me") is None
