"""The per-email ceiling on wrong sign-in codes (issue 18, docs/adr/0200 "Guessing codes").

Per-IP limits alone let many addresses share out the guessing, and every new challenge brought five
fresh guesses. Here the count belongs to the email (an account's sign-in key: ``users.email`` is
unique), over every challenge and address, and a resend does not reset it:

* every verify counts as a wrong code until it succeeds (counted before the code is compared, so
  parallel guesses cannot slip past the lock); one that ends before a code is compared is refunded;
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


async def attempt(conn: asyncpg.Connection, email: str) -> None:
    """Count this verify as a wrong code before the code is compared (the success path clears the
    count), and set the lock the count asks for; refuse (429) while the email is locked.

    Counting first, under the row's lock, is what stops a burst of parallel guesses: each one sees
    the lock its predecessors set. Call inside a transaction.
    """
    counted = await sign_in_failures.record(conn, email, WINDOW_SECONDS)
    if counted is None:
        until = await sign_in_failures.locked_until(conn, email)
        raise _locked(until or datetime.now(UTC))
    failures, first = counted
    now = datetime.now(UTC)
    if failures >= CEILING:
        until = first + timedelta(seconds=WINDOW_SECONDS)
    else:
        until = now + timedelta(seconds=delay_after(failures))
    if until > now:
        await sign_in_failures.lock(conn, email, until)


async def refund(conn: asyncpg.Connection, email: str) -> None:
    """The attempt ended before any code was compared: it does not count (a lock already set stays)."""
    await sign_in_failures.refund(conn, email)


async def succeeded(conn: asyncpg.Connection, email: str) -> None:
    await sign_in_failures.clear(conn, email)


def _locked(until: datetime) -> RateLimited:
    wait = max(1, math.ceil((until - datetime.now(UTC)).total_seconds()))
    return RateLimited("sign_in_locked", f"Too many wrong codes for this email. Try again in {wait} s.",
                       field="code", retry_after=wait)
