"""Request bodies of the Codex worker API (bounded; unknown fields are a 422)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

WorkerId = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
RequestId = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
Adapter = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")]
Method = Literal["thread/start", "thread/resume", "turn/start", "turn/interrupt", "thread/list", "thread/read"]
EventType = Literal["worker.started", "worker.heartbeat", "worker.stopped", "worker.failed",
                    "codex.notification", "codex.response"]


class _Body(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class CreateWorkerRequest(_Body):
    worker_id: WorkerId | None = None
    adapter: Adapter = "demo"
    metadata: Annotated[dict[Annotated[str, Meta(max_length=64)], Annotated[str, Meta(max_length=256)]],
                        Meta(max_length=32)] = msgspec.field(default_factory=dict)
    idempotency_key: Annotated[str, Meta(min_length=1, max_length=128)] | None = None


class WorkerRequestBody(_Body):
    request_id: RequestId
    method: Method
    params: Annotated[dict[str, Any], Meta(max_length=32)] = msgspec.field(default_factory=dict)


class WorkerEvent(_Body):
    event_type: EventType
    request_id: RequestId | None = None
    #: The worker's own id for the event: a retry with the same id is appended once.
    event_id: Annotated[str, Meta(min_length=1, max_length=128)] | None = None
    #: For a notification: the run log's seq the worker last saw; another head is 409
    #: ``expected_previous_seq_mismatch`` (a writer that lost its place must re-read before appending).
    expected_previous_seq: Annotated[int, Meta(ge=0)] | None = None
    payload: Annotated[dict[str, Any], Meta(max_length=32)] = msgspec.field(default_factory=dict)


class WorkerEventsBody(_Body):
    events: Annotated[list[WorkerEvent], Meta(min_length=1, max_length=200)]


class StopWorkerBody(_Body):
    reason: Annotated[str, Meta(min_length=1, max_length=200)] = "stop_requested"
