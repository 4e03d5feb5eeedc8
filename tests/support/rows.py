"""Check a repository struct against the row it was built from (``docs/CONTRIBUTING.md``).

Rows are built positionally (``User(*record)``: the cheap construction), so a SELECT list and its
struct that drift apart would silently swap values. :func:`read` runs a repository call on a
connection that keeps every row it fetched and compares each returned struct with its row, name by
name and value by value.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec


class Recording:
    """An asyncpg connection that keeps every row it fetched."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self.rows: list[asyncpg.Record] = []

    async def fetchrow(self, *args: Any) -> asyncpg.Record | None:
        row = await self._conn.fetchrow(*args)
        if row is not None:
            self.rows.append(row)
        return row

    async def fetch(self, *args: Any) -> list[asyncpg.Record]:
        rows = await self._conn.fetch(*args)
        self.rows.extend(rows)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


async def read(conn: asyncpg.Connection, call: Callable[[Any], Awaitable[Any]], *, reversed_rows: bool = False) -> Any:
    """``call(recording)``; every struct it returns equals the row it came from, and there is one at least.
    ``reversed_rows``: the call returns its rows in the opposite order (newest N fetched, oldest first)."""
    recording = Recording(conn)
    result = await call(recording)
    structs = result if isinstance(result, list) else [result]
    rows = recording.rows[::-1] if reversed_rows else recording.rows
    assert structs and len(structs) == len(rows)
    for struct, row in zip(structs, rows, strict=True):
        assert isinstance(struct, msgspec.Struct)
        assert list(type(struct).__struct_fields__) == list(row.keys())
        assert msgspec.structs.asdict(struct) == dict(row)
    return result
