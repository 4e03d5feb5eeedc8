"""Group commit of decided tool calls, and the process's cache of people's default tool policies.

A call that acts on nothing outside the database (the no-op, a denial, a replay, a dry run, a call
waiting for approval) is recorded in one ``INSERT``. Under load many such calls wait on the
database at once; :class:`Recorder` writes every call that arrived while the previous write was in
flight in *one* statement (one round trip, one commit, one pool checkout) and answers each caller
only after that statement committed: an answered call always has its receipt committed. With one
call at a time nothing waits (no timer): the first call is written at once.

:class:`ProfileCache` keeps each person's default policy with its ``version``. A cached policy is
only ever used together with that version: the recording statement inserts the call only if the
profile is still at that version (same snapshot), and otherwise answers ``stale``; the caller then
reads the profile again and decides again. So a call is never recorded under a policy that was no
longer in force when it committed (ADR 0801).
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
import msgspec

Outcome = Literal["inserted", "exists", "stale"]
#: At most this many calls per statement (the rest wait for the next one).
MAX_BATCH = 256

_INSERT = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bytea[], $14::text[],
                         $15::bigint[], $16::integer[])
        WITH ORDINALITY AS t(user_id, invocation_id, run_id, tool, arguments, mode, replay_of, decision, reason_code,
                             status, result, error, receipt, receipt_hash, run_seq, profile_version, ord)
), checked AS (
    SELECT i.*, (i.profile_version IS NULL OR EXISTS (
                   SELECT 1 FROM autopilot_profiles p WHERE p.user_id = i.user_id AND p.version = i.profile_version))
                AS fresh
    FROM input i
), inserted AS (
    INSERT INTO tool_invocations (user_id, invocation_id, run_id, tool, arguments, mode, replay_of, decision,
                                  reason_code, status, result, error, receipt, receipt_hash, run_seq)
    SELECT user_id, invocation_id, run_id, tool, arguments::jsonb, mode, replay_of, decision, reason_code, status,
           result::jsonb, error::jsonb, receipt, receipt_hash, run_seq
    FROM checked WHERE fresh ORDER BY ord
    ON CONFLICT (user_id, invocation_id) DO NOTHING
    RETURNING user_id, invocation_id
)
SELECT c.ord, c.fresh, EXISTS (SELECT 1 FROM inserted n WHERE n.user_id = c.user_id
                                                      AND n.invocation_id = c.invocation_id) AS inserted
FROM checked c ORDER BY c.ord
"""


class Stored(msgspec.Struct, frozen=True):
    """A row of :data:`_INSERT`'s answer: one sent call, whether its profile was still fresh and
    whether this statement inserted it."""

    ord: int
    fresh: bool
    inserted: bool


@dataclass(frozen=True, slots=True)
class Done:
    """One decided call, ready to store."""

    user_id: str
    invocation_id: str
    run_id: str | None
    tool: str
    arguments: dict[str, Any]
    mode: str
    replay_of: str | None
    decision: str
    reason_code: str
    status: str
    result: dict[str, Any] | None
    error: dict[str, str] | None
    receipt: bytes
    receipt_hash: str
    run_seq: int | None = None
    #: Record only while the caller's profile is still at this version (None: no check).
    profile_version: int | None = None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class Recorder:
    """Per process and pool: :meth:`record` returns once the call's row is committed (or refused)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[Done, asyncio.Future[Outcome]]] = []
        self._writing = False
        #: Statements written and calls in them (the benchmark prints the mean batch).
        self.statements = 0
        self.calls = 0

    async def record(self, done: Done) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((done, future))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    outcomes = await self._write([d for d, _ in batch])
                except BaseException as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
                    if not isinstance(exc, Exception):
                        raise
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            self._writing = False

    async def _write(self, batch: list[Done]) -> list[Outcome]:
        # The same id twice in one batch: only the first is sent; the others find it afterwards.
        seen: set[tuple[str, str]] = set()
        sent: list[Done] = []
        for done in batch:
            key = (done.user_id, done.invocation_id)
            if key not in seen:
                seen.add(key)
                sent.append(done)
        columns = list(zip(*[(d.user_id, d.invocation_id, d.run_id, d.tool, _json(d.arguments), d.mode, d.replay_of,
                               d.decision, d.reason_code, d.status, _json(d.result), _json(d.error), d.receipt,
                               d.receipt_hash, d.run_seq, d.profile_version) for d in sent], strict=True))
        rows = [Stored(*r) for r in await self._pool.fetch(_INSERT, *[list(c) for c in columns])]
        self.statements += 1
        self.calls += len(batch)
        by_key: dict[tuple[str, str], Outcome] = {}
        for done, row in zip(sent, rows, strict=True):
            by_key[(done.user_id, done.invocation_id)] = ("inserted" if row.inserted else
                                                         "stale" if not row.fresh else "exists")
        out: list[Outcome] = []
        for done in batch:
            key = (done.user_id, done.invocation_id)
            outcome = by_key.pop(key, None)
            out.append(outcome if outcome is not None else ("stale" if by_key.get(key) == "stale" else "exists"))
            if outcome is not None:
                by_key[key] = "exists" if outcome == "inserted" else outcome
        return out


class ProfileCache:
    """``user_id → (version, policy)`` for the default policy; bounded, least recently used out."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[int, dict[str, str]]] = OrderedDict()

    def get(self, user_id: str) -> tuple[int, dict[str, str]] | None:
        entry = self._entries.get(user_id)
        if entry is not None:
            self._entries.move_to_end(user_id)
        return entry

    def put(self, user_id: str, version: int, policy: dict[str, str]) -> None:
        self._entries[user_id] = (version, policy)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, user_id: str) -> None:
        self._entries.pop(user_id, None)
