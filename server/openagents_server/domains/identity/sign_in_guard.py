"""The per-email ceiling on wrong sign-in codes (issue 18, docs/adr/0200 "Guessing codes").

Per-IP limits alone let many addresses share out the guessing, and every new challenge brought five
fresh guesses. Here the count belongs to the email (an account's sign-in key: ``users.email`` is
unique), over every challenge and address, and a resend does not reset it:

* the first :data:`FREE_FAILURES` wrong codes in :data:`WINDOW_SECONDS` cost nothing;
* each further one locks the email for a growing delay, 2 s, 4 s, 8 s … up to :data:`MAX_DELAY_SECONDS`;
* :data:`CEILING` wrong codes in the window lock it until the window ends;
* while locked, every verify for the email is refused with 429 and ``Retry-After``, right code or not;
* a successful sign-in clears the count.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import asyncpg

from openagents_server.domains.identity.repositories import sign_in_failures
from openagents_server.errors import RateLimited

FREE_FAILURES = 5
CEILING = 20
WINDOW_SECONDS = 24 * 3600
MAX_DELAY_SECONDS = 15 * 60


def delay_after(failures: int) -> int:
    """Seconds the email is locked after its ``failures``-th wrong code (inside the ceiling)."""
    if failures <= FREE_FAILURES:
        return 0
    return min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_FAILURES))


async def check(conn: asyncpg.Connection, email: str) -> None:
    """Refuse (429) while the email is locked."""
    until = await sign_in_failures.locked_until(conn, email)
    if until is not None:
        raise _locked(until)


async def failed(conn: asyncpg.Connection, email: str) -> None:
    """Count a wrong code and lock the email for as long as the count asks."""
    failures, first = await sign_in_failures.record(conn, email, WINDOW_SECONDS)
    now = datetime.now(UTC)
    if failures >= CEILING:
        until = first + timedelta(seconds=WINDOW_SECONDS)
    else:
        until = now + timedelta(seconds=delay_after(failures))
    if until > now:
        await sign_in_failures.lock(conn, email, until)


async def succeeded(conn: asyncpg.Connection, email: str) -> None:
    await sign_in_failures.clear(conn, email)


def _locked(until: datetime) -> RateLimited:
    wait = max(1, math.ceil((until - datetime.now(UTC)).total_seconds()))
    return RateLimited("sign_in_locked", f"Too many wrong codes for this email. Try again in {wait} s.",
                       field="code", retry_after=wait)
