"""Keyset pagination under concurrent inserts, and the per-person post rates (429 + Retry-After)."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
from openagents_server.db.pool import create_pool
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.social import service
from openagents_server.errors import RateLimited
from openagents_server.settings import load_settings

WRITERS = 100  # people, each within the 10-a-minute shout rate
SHOUTS = 1_000
PAGE = 37  # not a divisor of anything in sight


async def _people(conn: asyncpg.Connection, count: int) -> list[AuthContext]:
    people = []
    for i in range(count):
        user_id = f"user_pager{i:03d}"
        await conn.execute("INSERT INTO users (id, provider, provider_user_id, email, name) VALUES ($1, 'local', $1, $2, $3)",
                           user_id, f"pager{i}@example.com", f"Pager {i}")
        people.append(AuthContext(user_id=user_id, email=f"pager{i}@example.com", name=f"Pager {i}", kind="session"))
    return people


async def test_a_reader_paging_while_1000_shouts_are_inserted_sees_each_exactly_once(http, db, database_url) -> None:
    people = await _people(db, WRITERS)
    pool = await create_pool(database_url, load_settings({}, env="test", database_url=database_url))
    seen: Counter[str] = Counter()
    try:
        async def write() -> None:
            # 1 000 shouts from 100 people, 20 at a time, committing in any order.
            queue = [(people[i % WRITERS], f"shout {i}") for i in range(SHOUTS)]
            sem = asyncio.Semaphore(20)

            async def one(who: AuthContext, text: str) -> None:
                async with sem:
                    while True:
                        try:
                            await service.create_shout(pool, who, text=text, zone=None)
                            break
                        except RateLimited:  # the feed topic's 240 appends/s: nothing stored; try again
                            await asyncio.sleep(0.1)
                    await asyncio.sleep(0.1)  # ~200 shouts/s in all, around the feed's publish rate

            await asyncio.gather(*(one(who, text) for who, text in queue))

        async def get(**params: int) -> dict:
            response = await http.get("/api/shouts", params={"limit": PAGE, **params})
            assert response.status_code == 200, response.text
            return response.json()["data"]

        writer = asyncio.create_task(write())
        await asyncio.sleep(0.2)  # some shouts exist before the reader starts
        first = await get()
        seen.update(s["id"] for s in first["shouts"])
        newest = first["next_after"] or 0
        cursor = first["next_before"]
        while cursor is not None:  # downwards: everything older than the first page
            page = await get(before=cursor)
            seen.update(s["id"] for s in page["shouts"])
            cursor = page["next_before"]
        pages_up = 0
        while True:  # upwards: what arrived meanwhile, until the writer is done and nothing is newer
            page = await get(after=newest)
            seen.update(s["id"] for s in page["shouts"])
            newest = page["next_after"]
            pages_up += 1
            if not page["has_newer"] and writer.done():
                break
            if not page["has_newer"]:
                await asyncio.sleep(0.05)
        await writer
        page = await get(after=newest)
        seen.update(s["id"] for s in page["shouts"])
    finally:
        await pool.close()
    stored = {r[0] for r in await db.fetch("SELECT id FROM shouts")}
    assert len(stored) == SHOUTS
    assert set(seen) == stored
    assert max(seen.values()) == 1, [k for k, v in seen.items() if v > 1][:5]
    assert pages_up > 1  # the reader really did meet inserts while paging


async def test_shouts_past_ten_a_minute_are_429_with_retry_after_and_not_stored(http, person, db) -> None:
    ada = await person("ada")
    statuses = []
    for i in range(service.SHOUTS_PER_MINUTE.hits + 1):
        statuses.append(await http.post("/api/shouts", json={"text": f"n{i}"}, headers=ada.headers))
    assert [r.status_code for r in statuses] == [201] * service.SHOUTS_PER_MINUTE.hits + [429]
    limited = statuses[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"]["retry_after"] == int(limited.headers["retry-after"])
    assert await db.fetchval("SELECT count(*) FROM shouts") == service.SHOUTS_PER_MINUTE.hits
    # A repeat of an earlier shout is no new post: it answers with the first, even over the rate.
    repeat = await http.post("/api/shouts", json={"text": "n0"}, headers=ada.headers)
    assert repeat.status_code == 200


async def test_whispers_past_thirty_a_minute_are_429(http, person, db) -> None:
    ada, bob = await person("ada"), await person("bob")
    codes = [(await http.post("/api/whispers", json={"recipient_id": bob.user_id, "text": f"w{i}"},
                              headers=ada.headers)).status_code
             for i in range(service.WHISPERS_PER_MINUTE.hits + 1)]
    assert codes == [201] * service.WHISPERS_PER_MINUTE.hits + [429]
    assert await db.fetchval("SELECT count(*) FROM whispers") == service.WHISPERS_PER_MINUTE.hits
    # The limit is per person: Bob can still answer.
    assert (await http.post("/api/whispers", json={"recipient_id": ada.user_id, "text": "ok"},
                            headers=bob.headers)).status_code == 201


async def test_whisper_threads_page_with_a_keyset_cursor(http, person) -> None:
    ada, bob = await person("ada"), await person("bob")
    sent = []
    for i in range(25):
        sender, recipient = (ada, bob) if i % 2 == 0 else (bob, ada)
        response = await http.post("/api/whispers", json={"recipient_id": recipient.user_id, "text": f"m{i}"},
                                   headers=sender.headers)
        sent.append(response.json()["data"]["id"])
    got, cursor = [], None
    while True:
        params = {"with": bob.user_id, "limit": 10, **({"before": cursor} if cursor else {})}
        page = (await http.get("/api/whispers", params=params, headers=ada.headers)).json()["data"]
        got.extend(w["id"] for w in page["whispers"])
        cursor = page["next_before"]
        if cursor is None:
            break
    assert got == list(reversed(sent))
