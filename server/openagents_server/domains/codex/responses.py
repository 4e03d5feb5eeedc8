"""Response bodies of the Codex worker API (shapes from codex-worker-events-v1.json)."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class Worker(Struct):
    worker_id: str
    status: str
    latest_seq: int
    adapter: str
    owner_user_ref: str
    org_id: str | None
    metadata: dict[str, str]
    heartbeat_state: str
    #: Seconds since the last heartbeat when this was read (None: never), for "heartbeat 12 s ago".
    heartbeat_age_s: float | None
    last_heartbeat_at: str | None
    started_at: str | None
    updated_at: str | None
    topic: str


class WorkerList(Struct):
    workers: list[Worker]


class WorkerCreated(Struct):
    worker: Worker
    idempotent_replay: bool


class Projection(Struct):
    runtime_source: str
    runtime_run_id: str
    runtime_worker_id: str
    runtime_seq: int
    runtime_seq_end: int
    projection_version: int
    projected_at: str | None


class RequestAccepted(Struct):
    worker_id: str
    request_id: str
    ok: bool
    idempotent_replay: bool
    response: dict[str, Any]
    projection: Projection


class KhalaDelivery(Struct):
    topic: str
    head_seq: int
    floor_seq: int
    scope: str
    socket_path: str
    token_endpoint: str
    protocol_version: str


class WorkerStream(Struct):
    worker: Worker
    khala: KhalaDelivery


class EventResult(Struct, omit_defaults=True):
    event_type: str
    status: str | None = None
    duplicate: bool | None = None
    seq: int | None = None


class EventsIngested(Struct):
    worker: Worker
    results: list[EventResult]


# ------------------------------------------------------------------ threads, requests (issue 20 pages)

class CodexThread(Struct):
    """One thread, in the Codex app-server ``thread/list`` shape, plus the worker it lives on."""

    id: str
    preview: str
    model_provider: str
    worker_id: str
    worker_status: str
    turn_count: int
    created_at: str | None
    updated_at: str | None


class ThreadPage(Struct):
    data: list[CodexThread]
    next_cursor: str | None


class ThreadMessage(Struct):
    item_id: str
    run_id: str
    turn_id: str
    role: str
    text: str
    status: str
    position: int
    #: Why the message's run failed (``worker_stopped``, ``worker_failed``, an adapter's code), else "".
    reason: str
    created_at: str | None


class ActiveTurn(Struct):
    run_id: str
    request_id: str
    status: str
    turn_id: str | None


class ThreadDelivery(Struct):
    """Where the thread's live events are, and the worker topic seq the snapshot includes: subscribe
    with ``resume_after = worker_seq`` and apply every later event (no gap, no duplicate)."""

    topic: str
    worker_seq: int
    floor_seq: int
    scope: str


class ThreadSnapshot(Struct):
    thread: CodexThread
    messages: list[ThreadMessage]
    active_turns: list[ActiveTurn]
    worker: Worker
    khala: ThreadDelivery


class RequestOutcome(Struct):
    worker_id: str
    request_id: str
    method: str
    status: str
    run_id: str
    request_seq: int
    terminal_seq: int | None
    response: dict[str, Any] | None


# ---------------------------------------------------------------------------- administrators

class AdminWorker(Worker):
    owner_email: str
    open_runs: int


class AdminRun(Struct):
    run_id: str
    worker_id: str
    request_id: str
    thread_id: str | None
    status: str
    reason_class: str
    latest_seq: int
    created_at: str | None
    updated_at: str | None
    method: str
    owner_email: str


class AdminDelivery(Struct):
    """Where the page's live updates come from: ``admin:runtime`` after ``head_seq`` (ADR 0604)."""

    topic: str
    head_seq: int
    scope: str


class AdminOverview(Struct):
    workers: list[AdminWorker]
    runs: list[AdminRun]
    run_counts: dict[str, int]
    khala: AdminDelivery


class AdminRunList(Struct):
    runs: list[AdminRun]


class CodexAccess(Struct):
    """The Codex access policy's answer for the caller (ADR 0603)."""

    allowed: bool
    #: ``linked`` (allowed), ``no_worker`` (none registered yet), ``adapter_not_allowed``
    reason: str
    allowed_adapters: list[str]
    workers: int
    linked_workers: list[str]
    #: the page that shows how to link a worker
    link_help: str
