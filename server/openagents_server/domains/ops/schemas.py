"""Request bodies of the admin console's API (bounded; unknown fields refused)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Reason = Annotated[str, Meta(min_length=3, max_length=500, description="Why: recorded in the audit trail")]
Message = Annotated[str, Meta(max_length=500)]
RetryAfter = Annotated[int, Meta(ge=1, le=86400)]
Route = Annotated[str, Meta(min_length=5, max_length=200, pattern=r"^/api/[A-Za-z0-9_./{}-]+$")]
Cohort = Annotated[str, Meta(min_length=3, max_length=80, pattern=r"^(all|user:.+|org:.+|percent:\d{1,3})$")]
Driver = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")]
BuildId = Annotated[str, Meta(min_length=4, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
Percent = Annotated[int, Meta(ge=1, le=100)]


class MaintenanceRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    on: bool
    reason: Reason
    message: Message = ""
    retry_after: RetryAfter = 300
    #: Switching maintenance on refuses every user's API calls: the console asks first.
    confirm: bool = False


class RouteSwitchRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    route: Route
    disabled: bool
    reason: Reason
    message: Message = ""
    retry_after: RetryAfter = 60
    confirm: bool = False


class DriverOverrideRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    cohort: Cohort
    #: None clears the cohort's override.
    driver: Driver | None
    reason: Reason


class ActivateBundleRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    build_id: BuildId
    reason: Reason
    confirm: bool = False


class CanaryRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    #: None clears the canary.
    build_id: BuildId | None
    reason: Reason
    percent: Percent = 5


class RollbackRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Reason
    confirm: bool = False


class KillSwitchRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    on: bool
    reason: Reason
    confirm: bool = False


class TelemetryBatch(Struct, forbid_unknown_fields=True, kw_only=True):
    #: ``ClientTelemetryEvent`` objects in the contract's JSON form (proto field names).
    events: Annotated[list[dict[str, Any]], Meta(min_length=1, max_length=50)]
