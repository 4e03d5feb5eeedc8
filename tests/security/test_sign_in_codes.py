"""Issue 18 point 1: wrong codes are counted per email, across challenges and source addresses."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
from openagents_server.domains.identity import sign_in_guard

from tests.security.conftest import code_for

PROXY = {"OPENAGENTS_TRUSTED_PROXIES": "127.0.0.1"}


def _from(ip: int) -> dict[str, str]:
    return {"x-forwarded-for": f"198.51.100.{ip}"}


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_many_addresses_and_a_resend_do_not_buy_more_guesses(live_server, database_url) -> None:
    server = live_server(env=PROXY)
    email = "target@example.com"
    with httpx.Client(base_url=server.url) as http:
        assert http.post("/api/auth/email", json={"email": email}, headers=_from(1)).status_code == 200
        code = code_for(database_url, email)
        # One challenge's worth of guesses, each from its own address (per-IP limits never trip).
        for ip in range(sign_in_guard.FREE_FAILURES):
            wrong = http.post("/api/auth/verify", json={"email": email, "code": _wrong(code)}, headers=_from(10 + ip))
            assert wrong.status_code == 422, wrong.text
        # A resend is a new challenge with five guesses of its own, but the email's count goes on.
        assert http.post("/api/auth/email", json={"email": email}, headers=_from(2)).status_code == 200
        code = code_for(database_url, email)
        sixth = http.post("/api/auth/verify", json={"email": email, "code": _wrong(code)}, headers=_from(30))
        assert sixth.status_code == 422, sixth.text
        # Now the email is locked for a while: even the right code, from a fresh address, is refused.
        locked = http.post("/api/auth/verify", json={"email": email, "code": code}, headers=_from(31))
        assert locked.status_code == 429, locked.text
        assert locked.json()["error"]["code"] == "sign_in_locked"
        wait = int(locked.headers["retry-after"])
        assert 1 <= wait <= sign_in_guard.delay_after(sign_in_guard.FREE_FAILURES + 1)
        time.sleep(wait + 0.2)
        # The delay passed: the right code signs in, and the count starts again.
        ok = http.post("/api/auth/verify", json={"email": email, "code": code}, headers=_from(32))
        assert ok.status_code == 200, ok.text


async def test_the_delay_grows_and_the_ceiling_locks_until_the_window_ends(live_server, database_url) -> None:
    server = live_server(env=PROXY)
    email = "slow@example.com"
    conn = await asyncpg.connect(database_url)
    try:
        with httpx.Client(base_url=server.url) as http:
            assert http.post("/api/auth/email", json={"email": email}).status_code == 200
            code = await conn.fetchval("SELECT local_code FROM auth_challenges WHERE email = $1", email)
            # Already at the ceiling but one (earlier guesses, delays served).
            await conn.execute(
                "INSERT INTO sign_in_failures VALUES ($1, $2, now() - interval '1 hour', now(), now())",
                email, sign_in_guard.CEILING - 1)
            last = http.post("/api/auth/verify", json={"email": email, "code": _wrong(code)}, headers=_from(40))
            assert last.status_code == 422
            refused = http.post("/api/auth/verify", json={"email": email, "code": code}, headers=_from(41))
            assert refused.status_code == 429
            # Locked until 24 h after the first counted failure (one hour ago).
            assert 22 * 3600 < int(refused.headers["retry-after"]) <= 23 * 3600
    finally:
        await conn.close()
    delays = [sign_in_guard.delay_after(n) for n in range(1, sign_in_guard.CEILING)]
    assert delays[:sign_in_guard.FREE_FAILURES] == [0] * sign_in_guard.FREE_FAILURES
    assert delays == sorted(delays) and delays[-1] == sign_in_guard.MAX_DELAY_SECONDS


def test_codes_per_email_are_limited_from_any_address(live_server) -> None:
    server = live_server(env=PROXY)
    with httpx.Client(base_url=server.url) as http:
        statuses = [http.post("/api/auth/email", json={"email": "inbox@example.com"}, headers=_from(100 + i)).status_code
                    for i in range(12)]
    assert statuses == [200] * 10 + [429, 429], statuses


async def test_a_parallel_burst_of_guesses_cannot_slip_past_the_lock(live_server, database_url) -> None:
    server = live_server(env=PROXY)
    email = "burst@example.com"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        challenges = []
        for ip in range(3):  # three open challenges: fifteen per-challenge guesses between them
            sent = await http.post("/api/auth/email", json={"email": email}, headers=_from(200 + ip))
            challenges.append(sent.json()["data"]["challenge_id"])
        code = code_for(database_url, email)
        guesses = [http.post("/api/auth/verify", headers=_from(210 + i),
                             json={"email": email, "code": _wrong(code), "challenge_id": challenges[i % 3]})
                   for i in range(15)]
        statuses = [r.status_code for r in await asyncio.gather(*guesses)]
    # Each attempt is counted before its code is compared: five free, the sixth sets the lock.
    assert statuses.count(422) == sign_in_guard.FREE_FAILURES + 1, statuses
    assert statuses.count(429) == 15 - sign_in_guard.FREE_FAILURES - 1, statuses
