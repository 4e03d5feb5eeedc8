"""Response bodies of the autopilot API (documented in ``/openapi.json``)."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class ToolOption(Struct):
    """A tool an autopilot's policy may allow, with why it may be risky."""

    name: str
    description: str
    risk: str
    rule: str
    available: bool


class SkillPinView(Struct):
    id: str
    version: str


class Autopilot(Struct):
    id: str
    owner_user_id: str
    org_id: str | None
    name: str
    instructions: str
    model: str
    tool_policy: dict[str, str]
    skills: list[SkillPinView]
    version: int
    etag: str
    #: What the caller may do: ``owner``, or their org role (``admin``, ``member``, ``viewer``).
    access: str
    tools: list[ToolOption]
    created_at: str
    updated_at: str


class AutopilotList(Struct):
    autopilots: list[Autopilot]


class Thread(Struct):
    id: str
    autopilot_id: str
    title: str
    created_at: str
    updated_at: str


class ThreadList(Struct):
    threads: list[Thread]


class KhalaTarget(Struct):
    topic: str
    scope: str
    socket_path: str
    token_endpoint: str
    protocol_version: str


class RunAccepted(Struct):
    run_id: str
    thread_id: str
    autopilot_id: str
    status: str
    idempotent_replay: bool
    khala: KhalaTarget


class Profile(Struct):
    model: str
    instructions: str
    tool_policy: dict[str, str]
    version: int
    etag: str
    tools: list[ToolOption]


class Message(Struct):
    role: str
    content: str
    run_id: str | None


class RunView(Struct):
    run_id: str
    status: str
    reason_class: str | None
    receipt_hash: str | None
    #: The run's events so far (``run.created`` … ``run.finished``), each with ``seq`` and ``type``.
    events: list[dict[str, Any]]
    #: The last seq included: follow ``run:{run_id}:events`` on Khala from here.
    watermark: int


class ThreadDetail(Struct):
    thread: Thread
    messages: list[Message]
    runs: list[RunView]


class Approval(Struct):
    """A tool call waiting for (or decided by) the autopilot owner's approval."""

    id: str
    run_id: str
    autopilot_id: str
    call_id: str
    invocation_id: str
    tool: str
    arguments: dict[str, Any]
    #: ``pending``, ``approved`` or ``denied``.
    status: str
    note: str
    decided_by: str | None
    decided_at: str | None
    created_at: str
    #: True when this decision had been made before (the same answer again).
    idempotent_replay: bool


class ApprovalList(Struct):
    approvals: list[Approval]
