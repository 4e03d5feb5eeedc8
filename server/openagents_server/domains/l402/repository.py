"""SQL of paywalls, challenges, settlements, deployments and the control-plane switches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec


class PaywallRecord(msgspec.Struct, frozen=True):
    """A row of ``l402_paywalls``."""

    id: str
    name: str
    service: str
    route_prefix: str
    upstream_url: str | None
    price_msat: int
    credential_ttl_seconds: int
    enabled: bool
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class ChallengeRecord(msgspec.Struct, frozen=True):
    """An issued challenge, as the settlement path reads it."""

    payment_hash: str
    token_id: str
    paywall_id: str
    service: str
    amount_msat: int


class SettlementRecord(msgspec.Struct, frozen=True):
    """A row of ``l402_settlements``."""

    id: str
    payment_hash: str
    paywall_id: str | None
    service: str
    amount_msat: int
    source: str
    settled_at: datetime


class SettlementTotals(msgspec.Struct, frozen=True):
    count: int
    total_msat: int


class DeploymentRecord(msgspec.Struct, frozen=True):
    """A row of ``l402_deployments``."""

    id: str
    config_hash: str
    paywall_ids: list[str]
    status: str
    source: str
    diagnostics: list[Any]
    created_at: datetime
    updated_at: datetime


class ControlState(msgspec.Struct, frozen=True):
    """The single row of ``l402_control_state``: the global pause."""

    paused: bool
    reason: str | None
    updated_by: str | None
    updated_at: datetime


_PAYWALL = ", ".join(PaywallRecord.__struct_fields__)
_CHALLENGE = ", ".join(ChallengeRecord.__struct_fields__)
_SETTLEMENT = ", ".join(SettlementRecord.__struct_fields__)
_DEPLOYMENT = ", ".join(DeploymentRecord.__struct_fields__)
_CONTROL = ", ".join(ControlState.__struct_fields__)


async def paywalls(conn: asyncpg.Connection | asyncpg.Pool, enabled_only: bool = False) -> list[PaywallRecord]:
    rows = await conn.fetch(f"SELECT {_PAYWALL} FROM l402_paywalls WHERE (NOT $1 OR enabled) ORDER BY route_prefix",
                            enabled_only)
    return [PaywallRecord(*r) for r in rows]


async def paywall(conn: asyncpg.Connection, paywall_id: str, lock: bool = False) -> PaywallRecord | None:
    row = await conn.fetchrow(f"SELECT {_PAYWALL} FROM l402_paywalls WHERE id = $1{' FOR UPDATE' if lock else ''}",
                              paywall_id)
    return None if row is None else PaywallRecord(*row)


async def insert_paywall(conn: asyncpg.Connection, values: dict[str, Any]) -> PaywallRecord:
    columns = list(values)
    row = await conn.fetchrow(
        f"INSERT INTO l402_paywalls ({', '.join(columns)}) VALUES ({', '.join(f'${i + 1}' for i in range(len(columns)))}) "
        f"RETURNING {_PAYWALL}", *values.values())
    return PaywallRecord(*row)


async def update_paywall(conn: asyncpg.Connection, paywall_id: str, values: dict[str, Any]) -> PaywallRecord:
    columns = list(values)
    sets = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    row = await conn.fetchrow(f"UPDATE l402_paywalls SET {sets}, updated_at = now() WHERE id = $1 RETURNING {_PAYWALL}",
                              paywall_id, *values.values())
    return PaywallRecord(*row)


async def delete_paywall(conn: asyncpg.Connection, paywall_id: str) -> PaywallRecord | None:
    row = await conn.fetchrow(f"DELETE FROM l402_paywalls WHERE id = $1 RETURNING {_PAYWALL}", paywall_id)
    return None if row is None else PaywallRecord(*row)


async def insert_challenge(conn: asyncpg.Connection | asyncpg.Pool, *, payment_hash: str, token_id: str,
                           paywall_id: str, service: str, amount_msat: int, payment_request: str,
                           expires_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO l402_challenges (payment_hash, token_id, paywall_id, service, amount_msat, payment_request, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        payment_hash, token_id, paywall_id, service, amount_msat, payment_request, expires_at)


async def prune_challenges(conn: asyncpg.Connection | asyncpg.Pool, grace_seconds: int) -> None:
    """Forget challenges whose invoice expired ``grace_seconds`` ago and that were never settled."""
    await conn.execute(
        """DELETE FROM l402_challenges c WHERE c.expires_at < now() - make_interval(secs => $1)
           AND NOT EXISTS (SELECT 1 FROM l402_settlements s WHERE s.payment_hash = c.payment_hash)""",
        grace_seconds)


async def challenge(conn: asyncpg.Connection | asyncpg.Pool, payment_hash: str) -> ChallengeRecord | None:
    row = await conn.fetchrow(f"SELECT {_CHALLENGE} FROM l402_challenges WHERE payment_hash = $1", payment_hash)
    return None if row is None else ChallengeRecord(*row)


async def insert_settlement(conn: asyncpg.Connection, *, settlement_id: str, payment_hash: str, paywall_id: str | None,
                            service: str, amount_msat: int, source: str) -> SettlementRecord | None:
    row = await conn.fetchrow(
        f"""INSERT INTO l402_settlements (id, payment_hash, paywall_id, service, amount_msat, source)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (payment_hash) DO NOTHING RETURNING {_SETTLEMENT}""",
        settlement_id, payment_hash, paywall_id, service, amount_msat, source)
    return None if row is None else SettlementRecord(*row)


async def settlement_by_hash(conn: asyncpg.Connection, payment_hash: str) -> SettlementRecord | None:
    row = await conn.fetchrow(f"SELECT {_SETTLEMENT} FROM l402_settlements WHERE payment_hash = $1", payment_hash)
    return None if row is None else SettlementRecord(*row)


async def settlements(conn: asyncpg.Connection | asyncpg.Pool, *, limit: int, before: tuple[datetime, str] | None,
                      paywall_id: str | None) -> list[SettlementRecord]:
    rows = await conn.fetch(
        f"""SELECT {_SETTLEMENT} FROM l402_settlements
            WHERE ($1::text IS NULL OR paywall_id = $1) AND ($2::timestamptz IS NULL OR (settled_at, id) < ($2, $3))
            ORDER BY settled_at DESC, id DESC LIMIT $4""",
        paywall_id, before[0] if before else None, before[1] if before else "", limit)
    return [SettlementRecord(*r) for r in rows]


async def settlement_totals(conn: asyncpg.Connection | asyncpg.Pool) -> SettlementTotals:
    row = await conn.fetchrow("SELECT count(*) AS count, COALESCE(sum(amount_msat), 0)::bigint AS total_msat "
                              "FROM l402_settlements")
    return SettlementTotals(*row)


async def insert_deployment(conn: asyncpg.Connection, *, deployment_id: str, config_hash: str, paywall_ids: list[str],
                            status: str, source: str, diagnostics: list[Any]) -> DeploymentRecord:
    row = await conn.fetchrow(
        f"""INSERT INTO l402_deployments (id, config_hash, paywall_ids, status, source, diagnostics)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_DEPLOYMENT}""",
        deployment_id, config_hash, paywall_ids, status, source, diagnostics)
    return DeploymentRecord(*row)


async def update_deployment(conn: asyncpg.Connection, deployment_id: str, status: str,
                            diagnostics: list[Any] | None) -> DeploymentRecord | None:
    row = await conn.fetchrow(
        f"""UPDATE l402_deployments SET status = $2, diagnostics = COALESCE($3, diagnostics), updated_at = now()
            WHERE id = $1 RETURNING {_DEPLOYMENT}""", deployment_id, status, diagnostics)
    return None if row is None else DeploymentRecord(*row)


async def deployments(conn: asyncpg.Connection | asyncpg.Pool, limit: int) -> list[DeploymentRecord]:
    rows = await conn.fetch(f"SELECT {_DEPLOYMENT} FROM l402_deployments ORDER BY created_at DESC, id DESC LIMIT $1",
                            limit)
    return [DeploymentRecord(*r) for r in rows]


async def control_state(conn: asyncpg.Connection | asyncpg.Pool) -> ControlState:
    return ControlState(*await conn.fetchrow(f"SELECT {_CONTROL} FROM l402_control_state"))


async def set_pause(conn: asyncpg.Connection, paused: bool, reason: str | None, updated_by: str | None) -> ControlState:
    row = await conn.fetchrow(
        "UPDATE l402_control_state SET paused = $1, reason = $2, updated_by = $3, updated_at = now() "
        f"RETURNING {_CONTROL}", paused, reason, updated_by)
    return ControlState(*row)


async def paywall_owner(conn: asyncpg.Connection, paywall_id: str | None) -> str | None:
    if paywall_id is None:
        return None
    return await conn.fetchval("SELECT created_by FROM l402_paywalls WHERE id = $1", paywall_id)
