"""Paywalls (admin CRUD, audited), settlements, deployments and the lightning-ops control plane.

Every paywall change records a deployment of the resulting configuration (``config_hash`` over the
enabled paywalls, canonical JSON), applied at once by this platform's own gate (``source=platform``);
an external gateway (Aperture compiled by lightning-ops) records its own through the control plane.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from typing import Any

import asyncpg
from openagents_proto.canonical import payload_hash
from openagents_proto.runtime.domain import ReasonCode

from openagents_server import netguard
from openagents_server.audit import audit
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.l402 import repository as repo
from openagents_server.errors import Conflict, Invalid, NotFound
from openagents_server.khala import log
from openagents_server.netguard import AllowList

SERVICE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
#: Paths a paywall may never cover: the platform's own sign-in, wallet, admin and sync surfaces.
RESERVED_PREFIXES = ("/api/auth", "/api/me", "/api/l402", "/api/agent-payments", "/api/agents/me", "/api/payments",
                     "/api/internal", "/api/tokens", "/sync", "/internal", "/openapi.json", "/api/docs")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def paywall_view(row: repo.PaywallRecord) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "service": row.service, "route_prefix": row.route_prefix,
            "upstream_url": row.upstream_url, "price_msat": row.price_msat, "price_sats": row.price_msat // 1000,
            "credential_ttl_seconds": row.credential_ttl_seconds, "enabled": row.enabled,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def settlement_view(row: repo.SettlementRecord) -> dict[str, Any]:
    return {"id": row.id, "payment_hash": row.payment_hash, "paywall_id": row.paywall_id,
            "service": row.service, "amount_msat": row.amount_msat, "amount_sats": row.amount_msat // 1000,
            "source": row.source, "settled_at": row.settled_at.isoformat()}


def deployment_view(row: repo.DeploymentRecord) -> dict[str, Any]:
    return {"id": row.id, "config_hash": row.config_hash, "paywall_ids": list(row.paywall_ids),
            "status": row.status, "source": row.source, "diagnostics": row.diagnostics,
            "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}


def _check_prefix(prefix: str) -> str:
    if not prefix.startswith("/") or "//" in prefix or ".." in prefix or len(prefix) > 200 or not re.match(r"^[A-Za-z0-9/_.~-]+$", prefix):
        raise Invalid("invalid_route_prefix", "route_prefix is a path such as /api/premium.", field="route_prefix")
    prefix = prefix.rstrip("/") or "/"
    if prefix == "/" or any(prefix == r or prefix.startswith(r + "/") or r.startswith(prefix + "/") for r in RESERVED_PREFIXES):
        raise Invalid("reserved_route_prefix", "route_prefix may not cover sign-in, wallet, admin or sync routes.",
                      field="route_prefix")
    return prefix


async def _check_upstream(url: str | None, allow: AllowList) -> str | None:
    """An absolute http(s) URL whose host is not a private, loopback, link-local or metadata address
    (unless ``l402_http_allow`` lists it). A name that does not resolve yet is accepted: the proxy
    checks (and pins) the address again on every new connection."""
    if url is None:
        return None
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", url) or "?" in url or "#" in url:
        raise Invalid("invalid_upstream_url", "upstream_url is an absolute http(s) URL without query or fragment.",
                      field="upstream_url")
    try:
        await netguard.check(url, allow)
    except netguard.Blocked as exc:
        if exc.reason_code != netguard.code(ReasonCode.SSRF_BLOCK_DNS_RESOLUTION_FAILED):
            raise Invalid("upstream_url_blocked", f"upstream_url is not allowed: {exc}", field="upstream_url",
                          reason=exc.reason_code) from None
    return url.rstrip("/")


async def list_paywalls(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    return [paywall_view(r) for r in await repo.paywalls(pool)]


async def _deploy(conn: asyncpg.Connection, source: str) -> repo.DeploymentRecord:
    rows = await repo.paywalls(conn, enabled_only=True)
    config = [{"service": r.service, "route_prefix": r.route_prefix, "upstream_url": r.upstream_url,
               "price_msat": r.price_msat, "credential_ttl_seconds": r.credential_ttl_seconds} for r in rows]
    return await repo.insert_deployment(conn, deployment_id=new_id("dep"), config_hash=payload_hash(config),
                                        paywall_ids=[r.id for r in rows], status="applied", source=source,
                                        diagnostics=[])


async def create_paywall(pool: asyncpg.Pool, auth: AuthContext, data: dict[str, Any], *,
                         allow: AllowList | None = None) -> dict[str, Any]:
    service = data.get("service") or re.sub(r"[^a-z0-9_-]+", "-", data["name"].lower()).strip("-")[:63] or "paywall"
    if not SERVICE.match(service):
        raise Invalid("invalid_service", "service is 1-63 of a-z0-9_- (its name inside the macaroons).", field="service")
    values = {"id": new_id("pw"), "name": data["name"], "service": service,
              "route_prefix": _check_prefix(data["route_prefix"]), "upstream_url": await _check_upstream(data.get("upstream_url"), allow or AllowList()),
              "price_msat": data["price_sats"] * 1000, "credential_ttl_seconds": data["credential_ttl_seconds"],
              "enabled": data["enabled"], "created_by": auth.user_id}
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await repo.insert_paywall(conn, values)
        except asyncpg.UniqueViolationError:
            raise Conflict("paywall_exists", "A paywall already uses this route prefix or service.",
                           field="route_prefix") from None
        await _deploy(conn, "platform")
        await audit(conn, "l402.paywall.created", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"paywall_id": row.id, "route_prefix": row.route_prefix, "price_msat": row.price_msat})
    return paywall_view(row)


async def update_paywall(pool: asyncpg.Pool, auth: AuthContext, paywall_id: str, changes: dict[str, Any], *,
                         allow: AllowList | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ("name", "enabled", "credential_ttl_seconds"):
        if key in changes:
            values[key] = changes[key]
    if "price_sats" in changes:
        values["price_msat"] = changes["price_sats"] * 1000
    if "route_prefix" in changes:
        values["route_prefix"] = _check_prefix(changes["route_prefix"])
    if "upstream_url" in changes:
        values["upstream_url"] = await _check_upstream(changes["upstream_url"], allow or AllowList())
    if not values:
        raise Invalid("nothing_to_change", "Give at least one field to change.")
    async with pool.acquire() as conn, conn.transaction():
        if await repo.paywall(conn, paywall_id, lock=True) is None:
            raise NotFound("paywall_not_found", "No such paywall.")
        try:
            row = await repo.update_paywall(conn, paywall_id, values)
        except asyncpg.UniqueViolationError:
            raise Conflict("paywall_exists", "Another paywall already uses this route prefix.", field="route_prefix") from None
        await _deploy(conn, "platform")
        await audit(conn, "l402.paywall.updated", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"paywall_id": paywall_id, "changes": {k: v for k, v in values.items()}})
    return paywall_view(row)


async def delete_paywall(pool: asyncpg.Pool, auth: AuthContext, paywall_id: str) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.transaction():
        row = await repo.delete_paywall(conn, paywall_id)
        if row is None:
            raise NotFound("paywall_not_found", "No such paywall.")
        await _deploy(conn, "platform")
        await audit(conn, "l402.paywall.deleted", user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"paywall_id": paywall_id, "route_prefix": row.route_prefix})
    return {"deleted_paywall_id": paywall_id}


def _cursor(when: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{when.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def parse_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        when, _, row_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        return datetime.fromisoformat(when), row_id
    except (ValueError, UnicodeDecodeError):
        raise Invalid("invalid_cursor", "The cursor is not one this API gave out.", field="cursor") from None


async def list_settlements(pool: asyncpg.Pool, *, limit: int, cursor: str | None, paywall_id: str | None) -> dict[str, Any]:
    rows = await repo.settlements(pool, limit=limit + 1, before=parse_cursor(cursor), paywall_id=paywall_id)
    more = len(rows) > limit
    rows = rows[:limit]
    totals = await repo.settlement_totals(pool)
    return {"settlements": [settlement_view(r) for r in rows],
            "next_cursor": _cursor(rows[-1].settled_at, rows[-1].id) if more and rows else None,
            "total_count": totals.count, "total_msat": totals.total_msat}


async def list_deployments(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    return [deployment_view(r) for r in await repo.deployments(pool, limit)]


async def record_settlement(conn: asyncpg.Connection, *, payment_hash: str, paywall_id: str | None, service: str,
                            amount_msat: int, source: str) -> tuple[repo.SettlementRecord, bool]:
    """Insert once per payment hash (in the caller's transaction) and tell the paywall's owner live."""
    row = await repo.insert_settlement(conn, settlement_id=new_id("stl"), payment_hash=payment_hash,
                                       paywall_id=paywall_id, service=service, amount_msat=amount_msat, source=source)
    if row is None:
        return await repo.settlement_by_hash(conn, payment_hash), False
    owner = await repo.paywall_owner(conn, paywall_id)
    if owner:
        await log.append(conn, f"user:{owner}:notifications", doc_key=f"l402_settlement:{row.id}",
                         kind="l402.settlement.recorded", payload=settlement_view(row))
    return row, True


# --- lightning-ops control plane ----------------------------------------------------------------

QUERIES = ("lightning/ops:listPaywallControlPlaneState", "lightning/security:getControlPlaneSecurityState")
MUTATIONS = ("lightning/ops:recordGatewayCompileIntent", "lightning/ops:recordGatewayDeploymentEvent",
             "lightning/settlements:ingestSettlement", "lightning/security:setGlobalPause")


def _security_view(row: repo.ControlState) -> dict[str, Any]:
    return {"global_pause": row.paused, "reason": row.reason, "updated_by": row.updated_by,
            "updated_at": row.updated_at.isoformat()}


def _arg(args: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    value = args.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise Invalid("invalid_args", f"args.{name} is missing or of the wrong type.", field=f"args.{name}")
    return value


async def control_query(pool: asyncpg.Pool, function_name: str, args: dict[str, Any]) -> dict[str, Any]:
    if function_name == "lightning/ops:listPaywallControlPlaneState":
        statuses = args.get("statuses") or ["active", "paused"]
        if not isinstance(statuses, list) or not set(statuses) <= {"active", "paused", "archived"}:
            raise Invalid("invalid_args", "args.statuses is a list of active|paused|archived.", field="args.statuses")
        rows = [r for r in await repo.paywalls(pool) if ("active" if r.enabled else "paused") in statuses]
        return {"ok": True, "function_name": function_name,
                "paywalls": [{**paywall_view(r), "status": "active" if r.enabled else "paused"} for r in rows]}
    if function_name == "lightning/security:getControlPlaneSecurityState":
        return {"ok": True, "function_name": function_name, "security": _security_view(await repo.control_state(pool))}
    raise Invalid("unsupported_function", f"Unknown query {function_name!r}; known: {', '.join(QUERIES)}.",
                  field="functionName")


async def control_mutation(pool: asyncpg.Pool, key_id: str, function_name: str, args: dict[str, Any]) -> dict[str, Any]:
    async with log.unit_of_work(pool) as conn:
        result = await _mutate(conn, function_name, args)
        await audit(conn, "l402.control_plane.mutation", attributes={"function_name": function_name, "key_id": key_id})
    return result


async def _mutate(conn: asyncpg.Connection, function_name: str, args: dict[str, Any]) -> dict[str, Any]:
    base = {"ok": True, "function_name": function_name}
    if function_name == "lightning/ops:recordGatewayCompileIntent":
        config_hash = _arg(args, "configHash", str)
        paywall_ids = _arg(args, "paywallIds", list, required=False) or []
        status = _arg(args, "status", str, required=False) or "pending"
        if status not in ("pending", "applied", "failed"):
            raise Invalid("invalid_args", "args.status is pending|applied|failed.", field="args.status")
        row = await repo.insert_deployment(conn, deployment_id=new_id("dep"), config_hash=config_hash[:200],
                                           paywall_ids=[str(p)[:64] for p in paywall_ids][:500], status=status,
                                           source="lightning-ops", diagnostics=args.get("diagnostics") or [])
        return {**base, "deployment": deployment_view(row)}
    if function_name == "lightning/ops:recordGatewayDeploymentEvent":
        status = _arg(args, "status", str)
        if status not in ("applied", "failed", "rolled_back"):
            raise Invalid("invalid_args", "args.status is applied|failed|rolled_back.", field="args.status")
        row = await repo.update_deployment(conn, _arg(args, "deploymentId", str), status, args.get("diagnostics"))
        if row is None:
            raise NotFound("deployment_not_found", "No such deployment.")
        return {**base, "deployment": deployment_view(row)}
    if function_name == "lightning/settlements:ingestSettlement":
        payment_hash = _arg(args, "paymentHash", str).lower()
        preimage = _arg(args, "preimage", str, required=False)
        if not re.match(r"^[0-9a-f]{64}$", payment_hash):
            raise Invalid("invalid_args", "args.paymentHash is 64 hex.", field="args.paymentHash")
        if preimage is not None and (not re.match(r"^[0-9a-fA-F]{64}$", preimage)
                                     or hashlib.sha256(bytes.fromhex(preimage)).hexdigest() != payment_hash):
            raise Invalid("preimage_mismatch", "sha256(preimage) is not paymentHash.", field="args.preimage")
        challenge = await repo.challenge(conn, payment_hash)
        if challenge is None:
            raise NotFound("challenge_not_found", "No challenge with this payment hash was issued here.")
        row, _ = await record_settlement(conn, payment_hash=payment_hash, paywall_id=challenge.paywall_id,
                                         service=challenge.service, amount_msat=challenge.amount_msat,
                                         source="control_plane")
        return {**base, "settlement": settlement_view(row)}
    if function_name == "lightning/security:setGlobalPause":
        active = args.get("active")
        if not isinstance(active, bool):
            raise Invalid("invalid_args", "args.active is true or false.", field="args.active")
        row = await repo.set_pause(conn, active, _arg(args, "reason", str, required=False),
                                   _arg(args, "updatedBy", str, required=False))
        return {**base, "security": _security_view(row)}
    raise Invalid("unsupported_function", f"Unknown mutation {function_name!r}; known: {', '.join(MUTATIONS)}.",
                  field="functionName")
