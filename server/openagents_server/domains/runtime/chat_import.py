"""Import chat history (JSONL) into the runtime's threads, through the run event log (CLI parity, issue 25).

The runtime's chat authority is the run log (``run:{id}:events``); threads and messages are read
models projected from it (``projector.py``) and rebuilt by ``openagents runtime reproject``. So an
import does not write the read models: it appends, per turn, the same events a Codex worker's turn
produces (``thread/started`` for a new thread, ``run.created`` with ``turn/start`` and the user's
text, the assistant's ``item/started`` → ``item/agentMessage/delta`` → ``item/completed``,
``turn/completed``, the run's moves to ``succeeded``) on an ``import`` worker of the owner, and
projects them in the same transaction. A reprojection reproduces the imported history.

Line format (one message per line, UTF-8; blank lines and lines starting with ``//`` are skipped)::

    {"thread": "trip-2024", "role": "user", "text": "Plan a weekend in Lisbon"}
    {"thread": "trip-2024", "role": "assistant", "text": "Day 1: …"}

``thread`` is your key for the conversation (1–128 characters); ``role`` is ``user`` or
``assistant``; ``text`` is 1–65 536 characters without NUL. Optional: ``at`` (RFC 3339, kept in the
event). A thread's lines are in order; its first message is the user's; each user message opens a
turn and the assistant messages after it are that turn's replies.

Ids are derived from (owner, thread key, turn index), so a re-run finds the turns it imported and
skips them (idempotent); a file that adds turns to an imported thread appends only the new ones.
Everything is one transaction: a failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from openagents_proto.runtime.domain import RunStatus

from openagents_server.domains.runtime import events, lifecycle, projector
from openagents_server.domains.runtime import repository as repo

MAX_TEXT = 65_536
MAX_THREAD_KEY = 128
ROLES = ("user", "assistant")
_KEYS = {"thread", "role", "text", "at"}
ADAPTER = "import"


@dataclass(frozen=True)
class Line:
    number: int
    thread: str
    role: str
    text: str
    at: str | None


@dataclass
class Turn:
    index: int
    user: Line
    replies: list[Line] = field(default_factory=list)


@dataclass
class Parsed:
    threads: dict[str, list[Turn]]
    errors: list[tuple[int, str]]

    @property
    def turns(self) -> int:
        return sum(len(t) for t in self.threads.values())


@dataclass
class Outcome:
    threads: int = 0
    turns_imported: int = 0
    turns_skipped: int = 0
    thread_ids: dict[str, str] = field(default_factory=dict)


def parse(lines: Iterable[str]) -> Parsed:
    """Every line checked; the errors (line number, reason) of all bad lines, not just the first."""
    threads: dict[str, list[Turn]] = {}
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip() or raw.lstrip().startswith("//"):
            continue
        line, problem = _line(number, raw)
        if line is None:
            errors.append((number, problem))
            continue
        turns = threads.setdefault(line.thread, [])
        if line.role == "user":
            turns.append(Turn(len(turns), line))
        elif not turns:
            errors.append((number, f"thread {line.thread!r} starts with an assistant message (the first is the user's)"))
        else:
            turns[-1].replies.append(line)
    return Parsed(threads, errors)


def _line(number: int, raw: str) -> tuple[Line | None, str]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        return None, f"unknown field(s) {', '.join(unknown)} (known: thread, role, text, at)"
    thread, role, text, at = value.get("thread"), value.get("role"), value.get("text"), value.get("at")
    if not isinstance(thread, str) or not 1 <= len(thread.strip()) <= MAX_THREAD_KEY:
        return None, f"thread must be a string of 1–{MAX_THREAD_KEY} characters"
    if role not in ROLES:
        return None, "role must be user or assistant"
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return None, f"text must be a non-empty string of at most {MAX_TEXT} characters"
    if "\x00" in text or "\x00" in thread:
        return None, "NUL characters are not allowed"
    if at is not None:
        if not isinstance(at, str):
            return None, "at must be an RFC 3339 timestamp"
        try:
            datetime.fromisoformat(at)
        except ValueError:
            return None, "at must be an RFC 3339 timestamp"
    return Line(number, thread.strip(), role, text, at), ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def thread_id_for(owner_user_id: str, key: str) -> str:
    return f"thr_imp_{_digest(owner_user_id, key)}"


async def run_import(conn: asyncpg.Connection, owner_user_id: str, parsed: Parsed,
                     advance: Callable[[], None] = lambda: None) -> Outcome:
    """Append and project every new turn in one transaction; ``advance`` after each turn."""
    outcome = Outcome()
    async with conn.transaction():
        worker_id = f"wkr_imp_{_digest(owner_user_id, ADAPTER)}"
        if await repo.worker(conn, worker_id) is None:
            await repo.insert_worker(conn, worker_id, owner_user_id, None, ADAPTER, {"source": "openagents chat import"},
                                     None)
            await events.register(conn, events.worker_topic(worker_id), owner_user_id, None)
            await repo.set_worker(conn, worker_id, status="stopped")
        for key, turns in parsed.threads.items():
            thread_id = thread_id_for(owner_user_id, key)
            outcome.thread_ids[key] = thread_id
            outcome.threads += 1
            for turn in turns:
                run_id = f"run_imp_{_digest(owner_user_id, key, str(turn.index))}"
                if await repo.run(conn, run_id) is not None:
                    outcome.turns_skipped += 1
                else:
                    await _import_turn(conn, owner_user_id, worker_id, thread_id, run_id, turn)
                    outcome.turns_imported += 1
                advance()
    return outcome


async def _import_turn(conn: asyncpg.Connection, owner_user_id: str, worker_id: str, thread_id: str, run_id: str,
                       turn: Turn) -> None:
    await events.register(conn, events.run_topic(run_id), owner_user_id, None)
    request_id = f"import:{turn.index}"
    run = await repo.insert_run(conn, run_id, owner_user_id, None, worker_id, request_id, thread_id)

    async def append(kind: str, payload: dict[str, Any]) -> int:
        appended = await events.append(conn, events.run_topic(run_id), kind, run_id, payload)
        await projector.apply(conn, run, appended.seq, kind, payload)
        return appended.seq

    def note(method: str, **params: Any) -> dict[str, Any]:
        return {"run_id": run_id, "method": method, "params": {"thread_id": thread_id, **params}}

    if await repo.thread(conn, thread_id) is None:
        await append("codex.notification", note("thread/started"))
    params: dict[str, Any] = {"thread_id": thread_id, "text": turn.user.text}
    if turn.user.at:
        params["at"] = turn.user.at
    await append("run.created", {"run_id": run_id, "worker_id": worker_id, "request_id": request_id,
                                 "method": "turn/start", "params": params, "imported": True})
    turn_id = f"turn_imp_{run_id.removeprefix('run_imp_')}"
    for n, reply in enumerate(turn.replies):
        item_id = f"{turn_id}:{n}"
        await append("codex.notification", note("item/started", item_id=item_id, turn_id=turn_id,
                                                item_kind="agent_message"))
        await append("codex.notification", note("item/agentMessage/delta", item_id=item_id, delta=reply.text))
        await append("codex.notification", note("item/completed", item_id=item_id, item_status="completed"))
    seq = await append("codex.notification", note("turn/completed", turn_id=turn_id, status="completed"))
    status = run.status
    for target in (RunStatus.RUNNING, RunStatus.SUCCEEDED):
        kind = lifecycle.run_move(status, target)
        seq = await append(kind, {"run_id": run_id, "from_status": status, "to_status": target.value})
        status = target.value
    await repo.set_run(conn, run_id, status, seq, None, thread_id)
