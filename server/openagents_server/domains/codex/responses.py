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
