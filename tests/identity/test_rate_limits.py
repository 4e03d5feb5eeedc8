"""Rate limits hold across processes: counters live in PostgreSQL, not in a worker's memory."""

from __future__ import annotations

import asyncpg
import httpx
from openagents_server.rate_limit import LOGIN_EMAIL, LOGIN_VERIFY


def _fresh_connection_posts(url: str, path: str, count: int, **kwargs) -> list[httpx.Response]:
    # A new connection per request, so granian spreads them over both worker processes.
    responses = []
    for _ in range(count):
        with httpx.Client(base_url=url, headers={"connection": "close"}) as http:
            responses.append(http.post(path, **kwargs))
    return responses


async def test_login_email_limit_is_shared_by_two_workers(live_server, database_url) -> None:
    server = live_server(workers=2)
    responses = _fresh_connection_posts(server.url, "/login/email", 2 * LOGIN_EMAIL.hits,
                                        data={"email": "rl@example.com"}, headers={"accept": "application/json"})
    statuses = [r.status_code for r in responses]
    # With per-process counters two workers would let up to 12 through; the shared bucket allows 6.
    assert statuses[:LOGIN_EMAIL.hits] == [200] * LOGIN_EMAIL.hits, statuses
    assert statuses[LOGIN_EMAIL.hits:] == [429] * LOGIN_EMAIL.hits, statuses
    limited = responses[-1]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    conn = await asyncpg.connect(database_url)
    try:
        buckets = await conn.fetchval("SELECT count(*) FROM rate_limit_buckets WHERE bucket LIKE 'login_email:%'")
    finally:
        await conn.close()
    assert buckets == 1  # one shared bucket for the address, whichever worker answered


async def test_verify_limit_counts_wrong_guesses(live_server) -> None:
    server = live_server(workers=2)
    responses = _fresh_connection_posts(server.url, "/api/auth/verify", LOGIN_VERIFY.hits + 2,
                                        json={"email": "guess@example.com", "code": "123456"})
    statuses = [r.status_code for r in responses]
    assert statuses == [422] * LOGIN_VERIFY.hits + [429, 429], statuses
