"""Response shapes of the runtime API the chat, workers and admin pages read (server names; unknown
fields are ignored, so the server may add fields)."""

from __future__ import annotations

from typing import Any

import msgspec


class Worker(msgspec.Struct):
    worker_id: str
    status: str
    adapter: str
    heartbeat_state: str
    heartbeat_age_s: float | None = None
    topic: str = ""


class WorkerList(msgspec.Struct):
    workers: list[Worker]


class Thread(msgspec.Struct):
    id: str
    preview: str
    worker_id: str
    worker_status: str = ""
    turn_count: int = 0


class ThreadPage(msgspec.Struct):
    data: list[Thread]
    next_cursor: str | None = None


class Message(msgspec.Struct):
    item_id: str
    run_id: str
    role: str
    text: str
    status: str
    reason: str = ""


class ActiveTurn(msgspec.Struct):
    run_id: str
    request_id: str
    status: str


class Delivery(msgspec.Struct):
    topic: str
    worker_seq: int
    floor_seq: int = 0
    scope: str = ""


class ThreadSnapshot(msgspec.Struct):
    thread: Thread
    messages: list[Message]
    active_turns: list[ActiveTurn]
    worker: Worker
    khala: Delivery


class Accepted(msgspec.Struct):
    request_id: str
    idempotent_replay: bool
    response: dict[str, Any]


class Outcome(msgspec.Struct):
    request_id: str
    status: str
    response: dict[str, Any] | None = None


class AdminWorker(msgspec.Struct):
    worker_id: str
    status: str
    adapter: str
    heartbeat_state: str
    owner_email: str
    open_runs: int
    heartbeat_age_s: float | None = None


class AdminRun(msgspec.Struct):
    run_id: str
    worker_id: str
    status: str
    method: str
    owner_email: str
    reason_class: str = ""


class AdminDelivery(msgspec.Struct):
    topic: str
    head_seq: int


class AdminOverview(msgspec.Struct):
    workers: list[AdminWorker]
    runs: list[AdminRun]
    run_counts: dict[str, int]
    khala: AdminDelivery | None = None


class CodexAccess(msgspec.Struct):
    allowed: bool
    reason: str
    allowed_adapters: list[str]
    workers: int = 0


#: ``Call.response`` names → the type its ``data`` decodes to.
RESPONSES: dict[str, type] = {
    "threads": ThreadPage, "thread": ThreadSnapshot, "workers": WorkerList, "worker": Worker,
    "accepted": Accepted, "outcome": Outcome, "admin": AdminOverview, "access": CodexAccess,
}
