"""Cost of a repository struct on the credential lookup path: ``asyncpg.Record`` vs ``AccessLookup(*record)``.

Every credential-cache miss of a session runs ``sessions.by_access_hash`` and builds an
``AuthContext`` from its row (``authentication._session_context``). Before issue 16's leftover the
row was an ``asyncpg.Record`` read by string keys; now the repository builds one frozen
``AccessLookup`` positionally and the caller reads attributes. Both paths run here on the same real
row (fetched once from PostgreSQL: a user with two memberships), alternating rounds, in one process;
the database round trip itself is the same statement either way and is left out.
Goal: the struct path costs no more than the record path (ratio ≥ 0.9 within noise).
Usage: .venv/bin/python bench/repository_rows.py [--rounds 9] [--number 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import timeit
from datetime import UTC, datetime, timedelta

import asyncpg
from _support import bench_database
from openagents_server.db.pool import init_connection
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import token_hash
from openagents_server.domains.identity.repositories import sessions, users
from openagents_server.domains.identity.repositories.sessions import AccessLookup
from openagents_server.domains.orgs import repository as orgs


def record_path(row: asyncpg.Record) -> tuple[AuthContext, float | None]:
    """The code before: string-keyed reads of the record (as ``_session_context`` was)."""
    if row["status"] != "active" or not row["access_valid"]:
        raise AssertionError
    context = AuthContext(
        user_id=row["user_id"], email=row["email"], name=row["name"], kind="session",
        session_id=row["id"], device_id=row["device_id"], client_kind=row["client_kind"],
        active_org_id=row["active_org_id"], memberships=tuple(row["memberships"]),
    )
    return context, row["seconds_left"]


def struct_path(row: asyncpg.Record) -> tuple[AuthContext, float | None]:
    """The code now: the repository's one construction, then attribute reads."""
    found = AccessLookup(*row)
    if found.status != "active" or not found.access_valid:
        raise AssertionError
    context = AuthContext(
        user_id=found.user_id, email=found.email, name=found.name, kind="session",
        session_id=found.id, device_id=found.device_id, client_kind=found.client_kind,
        active_org_id=found.active_org_id, memberships=tuple(found.memberships),
    )
    return context, found.seconds_left


async def real_row(dsn: str) -> asyncpg.Record:
    conn = await asyncpg.connect(dsn)
    try:
        await init_connection(conn)
        await conn.execute("DELETE FROM users WHERE id = 'usr_bench_rows'")
        await users.insert(conn, "usr_bench_rows", "local", "local_user_bench_rows", "rows@example.com", "Rows")
        await orgs.create_personal(conn, "org_bench_rows", "personal-bench-rows", "Personal", "usr_bench_rows")
        await orgs.create(conn, "org_bench_team", "bench-team", "Team")
        await orgs.add_member(conn, "org_bench_team", "usr_bench_rows", "member")
        await sessions.insert(conn, session_id="sess_bench_rows", user_id="usr_bench_rows", device_id="bench:rows",
                              client_kind="api", active_org_id="org_bench_rows",
                              access_hash=token_hash("oa_at_bench_rows"),
                              access_expires_at=datetime.now(UTC) + timedelta(hours=1),
                              user_agent=None, ip_address=None)
        captured: list[asyncpg.Record] = []

        class Capture:
            async def fetchrow(self, *args: object) -> asyncpg.Record:
                captured.append(await conn.fetchrow(*args))
                return captured[-1]

        await sessions.by_access_hash(Capture(), token_hash("oa_at_bench_rows"))  # the statement the server runs
        await conn.execute("DELETE FROM users WHERE id = 'usr_bench_rows'; DELETE FROM orgs WHERE id LIKE 'org_bench_%'")
        return captured[0]
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=100_000)
    args = parser.parse_args()
    with bench_database() as dsn:
        row = asyncio.run(real_row(dsn))
    assert record_path(row) == struct_path(row)
    times: dict[str, list[float]] = {"record": [], "struct": []}
    for _ in range(args.rounds):
        for name, path in (("record", record_path), ("struct", struct_path)):
            seconds = timeit.timeit(lambda p=path: p(row), number=args.number)
            times[name].append(seconds / args.number * 1e9)
    # The fastest round of each: on a loaded machine the slower rounds measure the neighbours.
    baseline, ours = min(times["record"]), min(times["struct"])
    spread = {k: statistics.median(v) for k, v in times.items()}
    print(f"rounds={args.rounds} x {args.number} lookups, loaded machine (best round, ns per credential lookup;"
          f" medians {spread['record']:.0f} / {spread['struct']:.0f})")
    print(f"baseline  asyncpg.Record read by key → AuthContext : {baseline:8.0f} ns")
    print(f"ours      AccessLookup(*record) + attributes        : {ours:8.0f} ns")
    print(f"ratio (baseline/ours, ≥ 0.9 goal)                   : {baseline / ours:8.2f}")


if __name__ == "__main__":
    main()
