"""``/api/l402/*``: the /l402 pages' reads, admin paywall editing, and the lightning-ops control plane."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from openagents_server.dependencies import AppSettings, DbPool
from openagents_server.domains.identity.admin import require_admin
from openagents_server.domains.identity.authentication import Auth
from openagents_server.domains.integrations import internal
from openagents_server.domains.l402 import service
from openagents_server.domains.l402.gate import Gate
from openagents_server.domains.l402.responses import (
    ControlPlaneResult,
    DeletedPaywall,
    DeploymentList,
    Fortune,
    L402Overview,
    Paywall,
    PaywallList,
    SettlementPage,
)
from openagents_server.domains.l402.schemas import (
    ControlPlaneRequest,
    CreatePaywallRequest,
    UpdatePaywallRequest,
)
from openagents_server.domains.payments import service as payments
from openagents_server.domains.payments.deps import Lightning
from openagents_server.domains.payments.responses import TransactionDetail, TransactionPage
from openagents_server.errors import NotFound
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="page size (1–100)")]
Cursor = Annotated[str | None, QueryParameter(min_length=1, max_length=200, description="next_cursor of the previous page")]
Status = Annotated[str | None, QueryParameter(pattern=r"^(pending|in_flight|succeeded|failed|expired)$")]
Kind = Annotated[str | None, QueryParameter(pattern=r"^(invoice|payment|spark_send)$")]
Direction = Annotated[str | None, QueryParameter(pattern=r"^(in|out)$")]
RecordId = Annotated[str, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
PaywallFilter = Annotated[str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class L402Controller(Controller):
    path = "/l402"
    tags = ("l402",)
    security = SECURED
    request_max_body_size = 16 * 1024

    @get("/wallet", responses=ERRORS, summary="The /l402 page: the caller's wallet (null before one exists) and recent transactions")
    async def wallet(self, pool: DbPool, auth: Auth, lightning: Lightning) -> Response[Data[L402Overview]]:
        try:
            wallet = await payments.wallet(pool, lightning, auth.user_id)
        except NotFound:
            wallet = None
        page = await payments.transactions(pool, auth.user_id, limit=10, cursor=None, status=None, kind=None,
                                           direction=None)
        return typed(L402Overview, {"wallet": wallet, "recent_transactions": page["transactions"],
                                    "mode": lightning.mode})

    @get("/transactions", responses=ERRORS, summary="The caller's wallet transactions, newest first (cursor pagination, filters)")
    async def transactions(self, pool: DbPool, auth: Auth, limit: Limit = 25, cursor: Cursor = None,
                           status: Status = None, kind: Kind = None,
                           direction: Direction = None) -> Response[Data[TransactionPage]]:
        page = await payments.transactions(pool, auth.user_id, limit=limit, cursor=cursor, status=status, kind=kind,
                                           direction=direction)
        return typed(TransactionPage, page)

    @get("/transactions/{event_id:str}", responses=ERRORS, summary="One of the caller's transactions with its verified receipt")
    async def transaction(self, pool: DbPool, auth: Auth, event_id: FromPath[RecordId]) -> Response[Data[TransactionDetail]]:
        return typed(TransactionDetail, await payments.transaction(pool, auth.user_id, event_id))

    @get("/paywalls", responses=ERRORS, summary="Paywalls on this platform: route prefix, price, credential lifetime")
    async def paywalls(self, pool: DbPool, auth: Auth) -> Response[Data[PaywallList]]:
        return typed(PaywallList, {"paywalls": await service.list_paywalls(pool)})

    @post("/paywalls", status_code=201, responses=ERRORS, summary="Admin: create a paywall (audited; deploys the new configuration)")
    async def create_paywall(self, pool: DbPool, auth: Auth, settings: AppSettings, paywall_gate: Gate,
                             lightning: Lightning, data: JSONBody[CreatePaywallRequest]) -> Response[Data[Paywall]]:
        require_admin(auth, settings)
        created = await service.create_paywall(pool, auth, {
            "name": data.name, "route_prefix": data.route_prefix, "price_sats": data.price_sats,
            "credential_ttl_seconds": data.credential_ttl_seconds, "service": data.service,
            "upstream_url": data.upstream_url, "enabled": data.enabled}, allow=lightning.net_allow)
        await paywall_gate.refresh()
        return typed(Paywall, created, status=201)

    @patch("/paywalls/{paywall_id:str}", responses=ERRORS, summary="Admin: change or toggle a paywall (audited)")
    async def update_paywall(self, pool: DbPool, auth: Auth, settings: AppSettings, paywall_gate: Gate,
                             lightning: Lightning, paywall_id: FromPath[RecordId],
                             request: Request[Any, Any, Any], data: JSONBody[UpdatePaywallRequest]) -> Response[Data[Paywall]]:
        require_admin(auth, settings)
        given = set((await request.json()).keys())
        changes = {k: getattr(data, k) for k in given if k in UpdatePaywallRequest.__struct_fields__}
        changes = {k: v for k, v in changes.items() if v is not None or k == "upstream_url"}
        updated = await service.update_paywall(pool, auth, paywall_id, changes, allow=lightning.net_allow)
        await paywall_gate.refresh()
        return typed(Paywall, updated)

    @delete("/paywalls/{paywall_id:str}", status_code=200, responses=ERRORS, summary="Admin: delete a paywall (audited)")
    async def delete_paywall(self, pool: DbPool, auth: Auth, settings: AppSettings, paywall_gate: Gate,
                             paywall_id: FromPath[RecordId]) -> Response[Data[DeletedPaywall]]:
        require_admin(auth, settings)
        deleted = await service.delete_paywall(pool, auth, paywall_id)
        await paywall_gate.refresh()
        return typed(DeletedPaywall, deleted)

    @get("/settlements", responses=ERRORS, summary="Admin: money received by the paywalls, newest first")
    async def settlements(self, pool: DbPool, auth: Auth, settings: AppSettings, limit: Limit = 25,
                          cursor: Cursor = None, paywall_id: PaywallFilter = None) -> Response[Data[SettlementPage]]:
        require_admin(auth, settings)
        return typed(SettlementPage, await service.list_settlements(pool, limit=limit, cursor=cursor,
                                                                    paywall_id=paywall_id))

    @get("/deployments", responses=ERRORS, summary="Admin: which paywall configuration is live, newest first")
    async def deployments(self, pool: DbPool, auth: Auth, settings: AppSettings,
                          limit: Limit = 25) -> Response[Data[DeploymentList]]:
        require_admin(auth, settings)
        return typed(DeploymentList, {"deployments": await service.list_deployments(pool, limit)})


class LightningOpsController(Controller):
    """The lightning-ops control plane: HMAC-signed internal calls (the runtime's signing scheme)."""

    path = "/internal/lightning-ops/control-plane"
    tags = ("internal",)
    request_max_body_size = 64 * 1024

    @post("/query", status_code=200, responses=ERRORS, summary="lightning-ops: read the paywall configuration or security state (signed)")
    async def query(self, pool: DbPool, lightning: Lightning, request: Request[Any, Any, Any],
                    data: JSONBody[ControlPlaneRequest]) -> Response[Data[ControlPlaneResult]]:
        await internal.authenticate(pool, lightning, request.method, request.url.path, request.headers, await request.body())  # type: ignore[arg-type]
        return typed(ControlPlaneResult, await service.control_query(pool, data.function_name, data.args),
                     headers={"cache-control": "no-store"})

    @post("/mutation", status_code=200, responses=ERRORS, summary="lightning-ops: record deployments, settlements, the global pause (signed)")
    async def mutation(self, pool: DbPool, lightning: Lightning, paywall_gate: Gate, request: Request[Any, Any, Any],
                       data: JSONBody[ControlPlaneRequest]) -> Response[Data[ControlPlaneResult]]:
        key_id = await internal.authenticate(pool, lightning, request.method, request.url.path, request.headers,  # type: ignore[arg-type]
                                             await request.body())
        result = await service.control_mutation(pool, key_id, data.function_name, data.args)
        await paywall_gate.refresh()
        return typed(ControlPlaneResult, result, headers={"cache-control": "no-store"})


class DemoController(Controller):
    """A sample resource to put a paywall on (Aperture's classic demo): free unless a paywall covers it."""

    path = "/demo"
    tags = ("l402",)

    @get("/fortune", responses=ERRORS, summary="A fortune; put a paywall on /api/demo to sell it")
    async def fortune(self) -> Response[Data[Fortune]]:
        return typed(Fortune, {"fortune": "A satoshi saved is a satoshi earned.",
                               "served_at": datetime.now(UTC).isoformat()})
