"""Issue 18 point 7: a per-credential ceiling on the authenticated API, shared by every worker, and
limits without window edges (GCRA in PostgreSQL instead of fixed windows)."""

from __future__ import annotations

import time

import asyncpg
import httpx
from openagents_server.db import rate_limits
from openagents_server.rate_limit import LOGIN_VERIFY

from tests.security.conftest import signed_in_live

LOW = {"OPENAGENTS_API_RATE_PER_SECOND": "1", "OPENAGENTS_API_BURST": "40"}


def _fresh_gets(url: str, path: str, count: int, headers: dict[str, str]) -> list[httpx.Response]:
    # A new connection per request, so granian spreads them over both worker processes.
    out = []
    for _ in range(count):
        with httpx.Client(base_url=url, headers={"connection": "close", **headers}) as http:
            out.append(http.get(path))
    return out


def test_one_credential_is_limited_across_two_workers(live_server, database_url) -> None:
    server = live_server(workers=2, env=LOW)
    ada = signed_in_live(server.url, database_url, "ada@example.com")
    bob = signed_in_live(server.url, database_url, "bob@example.com")
    started = time.monotonic()
    responses = _fresh_gets(server.url, "/api/me", 120, ada.headers)
    elapsed = time.monotonic() - started
    statuses = [r.status_code for r in responses]
    passed = statuses.count(200)
    # Burst 40 plus one token per second, shared: two workers with their own buckets would pass ~80.
    assert 30 <= passed <= 40 + elapsed + 2, (passed, elapsed, statuses)
    assert statuses.count(429) == 120 - passed
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
    # Another credential has its own budget.
    assert _fresh_gets(server.url, "/api/me", 1, bob.headers)[0].status_code == 200


def test_the_default_ceiling_stops_three_thousand_reads(server, database_url) -> None:
    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url, headers=me.headers) as http:
        statuses = [http.get("/api/me").status_code for _ in range(3000)]
    assert 600 <= statuses.count(200) < 3000 and statuses.count(429) > 0
    assert set(statuses) == {200, 429}


async def test_no_window_edge_lets_twice_the_limit_through(database_url) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        verdicts = [await rate_limits.hit(conn, "t:edge", LOGIN_VERIFY.hits, LOGIN_VERIFY.window_seconds)
                    for _ in range(LOGIN_VERIFY.hits + 1)]
        assert [allowed for allowed, _ in verdicts] == [True] * LOGIN_VERIFY.hits + [False]
        # Move the bucket 59.3 s into the past: "10 at :59.3" are behind us, the edge is now.
        await conn.execute("UPDATE rate_limit_buckets SET tat = tat - interval '0.7 seconds' WHERE bucket = 't:edge'")
        after_edge = [(await rate_limits.hit(conn, "t:edge", LOGIN_VERIFY.hits, LOGIN_VERIFY.window_seconds))[0]
                      for _ in range(LOGIN_VERIFY.hits)]
        # A fixed window would start afresh at :00 and pass 10 more; the bucket refilled 0.7 s' worth: none.
        assert after_edge == [False] * LOGIN_VERIFY.hits
    finally:
        await conn.close()


def test_verify_limit_refills_one_request_at_a_time(server) -> None:
    with httpx.Client(base_url=server.url) as http:
        def verify() -> httpx.Response:
            return http.post("/api/auth/verify", json={"email": "guess@example.com", "code": "123456"})

        statuses = [verify().status_code for _ in range(LOGIN_VERIFY.hits)]
        assert statuses == [422] * LOGIN_VERIFY.hits
        refused = verify()
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        step = LOGIN_VERIFY.window_seconds / LOGIN_VERIFY.hits
        assert 1 <= wait <= step + 1  # one request's worth, not the rest of a minute
        time.sleep(wait)
        assert verify().status_code == 422
        assert verify().status_code == 429


def test_a_user_holds_at_most_a_hundred_tokens(server, database_url) -> None:
    from openagents_server.domains.tokens.service import MAX_TOKENS_PER_USER

    me = signed_in_live(server.url, database_url)
    with httpx.Client(base_url=server.url, headers=me.headers) as http:
        created = [http.post("/api/tokens", json={"name": f"t{i}"}).status_code for i in range(MAX_TOKENS_PER_USER)]
        assert created == [201] * MAX_TOKENS_PER_USER
        refused = http.post("/api/tokens", json={"name": "one too many"})
    assert refused.status_code == 422 and "name" in refused.json()["errors"]


async def test_concurrent_requests_share_one_lease_instead_of_each_fetching_their_own(database_url) -> None:
    """32 connections of one client whose local lease is spent must cost one lease statement, not 32
    (each also taking a whole batch from the shared bucket and queueing on the pool)."""
    import asyncio

    from openagents_server.rate_limit import CredentialBudget

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
    try:
        budget = CredentialBudget(lambda: pool, rate=0.001, burst=2000)
        assert budget.batch == 100
        await asyncio.gather(*(budget.spend("cred-1") for _ in range(64)))
        row = await pool.fetchrow("SELECT granted, tokens FROM api_credential_buckets WHERE credential_id = 'cred-1'")
        # One lease of 100 covered all 64 requests: the bucket lost one batch, not 64 of them.
        assert row["granted"] == 100 and 1899 < row["tokens"] <= 1901, dict(row)
        # The lease is shared, not lost: 36 more requests need no statement at all.
        await asyncio.gather(*(budget.spend("cred-1") for _ in range(36)))
        assert await pool.fetchval("SELECT tokens FROM api_credential_buckets WHERE credential_id = 'cred-1'") <= 1901
        # The 101st request leases the next batch.
        await budget.spend("cred-1")
        assert 1799 < await pool.fetchval("SELECT tokens FROM api_credential_buckets WHERE credential_id = 'cred-1'") <= 1801
    finally:
        await pool.close()


async def test_a_waiter_that_goes_away_does_not_cancel_the_lease_others_wait_on(database_url) -> None:
    import asyncio

    from openagents_server.rate_limit import CredentialBudget

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        budget = CredentialBudget(lambda: pool, rate=0.001, burst=2000)
        tasks = [asyncio.create_task(budget.spend("cred-2")) for _ in range(5)]
        await asyncio.sleep(0)
        tasks[1].cancel()  # a client disconnects while the first request fetches the lease
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(results[1], asyncio.CancelledError)
        assert [r for i, r in enumerate(results) if i != 1] == [None] * 4
    finally:
        await pool.close()
