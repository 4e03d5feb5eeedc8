"""Response bodies of the orgs routes."""

from __future__ import annotations

from msgspec import Struct


class Membership(Struct):
    org_id: str
    org_slug: str
    org_name: str
    role: str
    role_scopes: list[str]
    default_org: bool
    personal: bool


class Memberships(Struct):
    active_org_id: str | None
    memberships: list[Membership]


class ActiveOrg(Struct):
    active_org_id: str
    membership: Membership


class Denial(Struct, omit_defaults=True):
    reason: str
    org_id: str | None = None
    scope: str | None = None
    topic: str | None = None


class PolicyDecision(Struct):
    allowed: bool
    org_id: str | None
    role: str | None
    granted_scopes: list[str]
    denied_reasons: list[Denial]
