"""Response bodies of the L402 routes."""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from openagents_server.domains.payments.responses import Transaction, Wallet


class Paywall(Struct):
    id: str
    name: str
    service: str
    route_prefix: str
    upstream_url: str | None
    price_msat: int
    price_sats: int
    credential_ttl_seconds: int
    enabled: bool
    created_at: str
    updated_at: str


class PaywallList(Struct):
    paywalls: list[Paywall]


class DeletedPaywall(Struct):
    deleted_paywall_id: str


class Settlement(Struct):
    id: str
    payment_hash: str
    paywall_id: str | None
    service: str
    amount_msat: int
    amount_sats: int
    source: str
    settled_at: str


class SettlementPage(Struct):
    settlements: list[Settlement]
    next_cursor: str | None
    total_count: int
    total_msat: int


class Deployment(Struct):
    id: str
    config_hash: str
    paywall_ids: list[str]
    status: str
    source: str
    diagnostics: list[Any]
    created_at: str
    updated_at: str


class DeploymentList(Struct):
    deployments: list[Deployment]


class L402Overview(Struct):
    """``GET /api/l402/wallet``: the /l402 page's summary of the caller's wallet."""

    wallet: Wallet | None
    recent_transactions: list[Transaction]
    mode: str


class ControlPaywall(Paywall):
    status: str = "active"


class SecurityState(Struct):
    global_pause: bool
    reason: str | None
    updated_by: str | None
    updated_at: str


class ControlPlaneResult(Struct, omit_defaults=True):
    ok: bool
    function_name: str
    paywalls: list[ControlPaywall] | None = None
    security: SecurityState | None = None
    deployment: Deployment | None = None
    settlement: Settlement | None = None


class Fortune(Struct):
    fortune: str
    served_at: str
