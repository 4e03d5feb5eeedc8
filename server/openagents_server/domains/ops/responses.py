"""Response bodies of the ops domain."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class RoutingControl(Struct):
    kind: str
    target: str
    value: str
    retry_after: int
    updated_by: str
    reason: str
    updated_at: str


class RoutingControls(Struct):
    controls: list[RoutingControl]


class ControlChange(Struct):
    """The control now in force, or None when the change removed it."""

    control: RoutingControl | None


class NodeStatus(Struct):
    node_id: str
    connections: int
    subscriptions: int
    updated_at: str


class BundleCohort(Struct):
    cohort: str
    build_id: str
    percent: int


class SystemStatus(Struct):
    nodes: list[NodeStatus]
    connections: int
    subscriptions: int
    bundles: list[BundleCohort]
    killswitch: bool
    queues: dict[str, int]
    maintenance: str | None
    disabled_routes: list[str]
    driver_overrides: dict[str, str]


class AuditEvent(Struct):
    id: int
    event: str
    outcome: str
    occurred_at: str
    user_id: str | None
    session_id: str | None
    org_id: str | None
    request_id: str | None
    attributes: dict[str, Any]


class AuditPage(Struct):
    events: list[AuditEvent]
    #: Pass as ``before_id`` for the next (older) page; None at the end.
    next_before_id: int | None


class BundleInfo(Struct):
    build_id: str
    on_disk: bool
    registered: bool
    active: bool
    canary: bool
    size_bytes: int
    problem: str | None


class Rollout(Struct):
    active_build_id: str | None
    canary_build_id: str | None
    canary_percent: int
    killswitch: bool
    bundles: list[BundleInfo]


class SmokeStep(Struct):
    name: str
    ok: bool
    ms: float
    detail: str


class SmokeReport(Struct):
    ok: bool
    #: The transport a client of the stream uses: Khala over WebSocket (never SSE).
    transport: str
    protocol: str
    topic: str
    #: Event kinds the stream advertises, in the order a client sees them.
    event_kinds: list[str]
    #: The kinds this run actually saw.
    kinds_seen: list[str]
    steps: list[SmokeStep]
    maintenance: str | None


class TelemetryAccepted(Struct):
    accepted: int
    by_kind: dict[str, int]
