"""Shapes of the admin console's API (``/api/admin/*``; unknown fields ignored)."""

from __future__ import annotations

from typing import Any

import msgspec


class NodeStatus(msgspec.Struct):
    node_id: str
    connections: int
    subscriptions: int
    updated_at: str


class BundleCohort(msgspec.Struct):
    cohort: str
    build_id: str
    percent: int


class AdminStatus(msgspec.Struct):
    nodes: list[NodeStatus]
    connections: int
    subscriptions: int
    bundles: list[BundleCohort]
    killswitch: bool
    queues: dict[str, int]
    maintenance: str | None
    disabled_routes: list[str]
    driver_overrides: dict[str, str]


class AuditEvent(msgspec.Struct):
    id: int
    event: str
    outcome: str
    occurred_at: str
    user_id: str | None = None
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)


class AuditPage(msgspec.Struct):
    events: list[AuditEvent]
    next_before_id: int | None = None


class ControlChange(msgspec.Struct):
    control: dict[str, Any] | None


RESPONSES = {"admin_status": AdminStatus, "admin_audit": AuditPage, "admin_change": ControlChange}
