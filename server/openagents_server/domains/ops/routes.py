"""The admin console's API (``/api/admin/…``, platform administrators only) and the smoke stream."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromQuery, JSONBody, Parameter

from openagents_server import rate_limit
from openagents_server.dependencies import AppSettings, DbPool
from openagents_server.domains.identity.admin import require_admin
from openagents_server.domains.identity.authentication import Auth, client_ip
from openagents_server.domains.ops import service, smoke, telemetry
from openagents_server.domains.ops.responses import (
    AuditPage,
    ControlChange,
    Rollout,
    RoutingControls,
    SmokeReport,
    SystemStatus,
    TelemetryAccepted,
)
from openagents_server.domains.ops.schemas import (
    ActivateBundleRequest,
    CanaryRequest,
    DriverOverrideRequest,
    KillSwitchRequest,
    MaintenanceRequest,
    RollbackRequest,
    RouteSwitchRequest,
    TelemetryBatch,
)
from openagents_server.errors import Conflict, Invalid, Unavailable
from openagents_server.metrics.exposition import operator_access
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, ok, typed
from openagents_server.web.bundles import BundleStore
from openagents_server.web.service import RolloutError, RolloutService

#: Bodies are small; the console sends a reason and a few fields.
MAX_BODY_BYTES = 16 * 1024


def _actor(auth: Any) -> service.Actor:
    return service.Actor(f"{auth.email} ({auth.user_id})", auth.user_id, auth.session_id)


def _confirmed(confirm: bool, what: str) -> None:
    if not confirm:
        raise Invalid("confirmation_required", f"{what} affects every user: send confirm=true once the operator "
                      "has confirmed it.", field="confirm")


class AdminController(Controller):
    path = "/admin"
    tags = ("admin",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/status", responses=ERRORS, summary="System status: nodes, connections, bundle per cohort, queues")
    async def status(self, pool: DbPool, auth: Auth, settings: AppSettings) -> Response[Data[SystemStatus]]:
        require_admin(auth, settings)
        async with pool.acquire() as conn:
            return typed(SystemStatus, await service.status(conn))

    @get("/audit", responses=ERRORS, summary="Recent audit events, newest first, with filters")
    async def audit(
        self, pool: DbPool, auth: Auth, settings: AppSettings,
        event: Annotated[str | None, Parameter(max_length=100, pattern=r"^[a-z0-9_.]+$",
                                               description="event name prefix, e.g. auth. or ops.routing")] = None,
        user_id: Annotated[str | None, Parameter(max_length=64)] = None,
        outcome: FromQuery[Literal["success", "failure", "denied"] | None] = None,
        before_id: Annotated[int | None, Parameter(ge=1)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> Response[Data[AuditPage]]:
        require_admin(auth, settings)
        async with pool.acquire() as conn:
            events = await service.audit_trail(conn, event=event, user_id=user_id, outcome=outcome,
                                               before_id=before_id, limit=limit)
        next_id = events[-1]["id"] if len(events) == limit else None
        return typed(AuditPage, {"events": events, "next_before_id": next_id})

    @get("/routing", responses=ERRORS, summary="Routing controls in force")
    async def routing(self, pool: DbPool, auth: Auth, settings: AppSettings) -> Response[Data[RoutingControls]]:
        require_admin(auth, settings)
        return typed(RoutingControls, {"controls": await service.list_controls(pool)})

    @put("/routing/maintenance", responses=ERRORS, summary="Maintenance mode on (with a message) or off")
    async def maintenance(self, pool: DbPool, auth: Auth, settings: AppSettings,
                          data: JSONBody[MaintenanceRequest]) -> Response[Data[ControlChange]]:
        require_admin(auth, settings)
        if data.on:
            _confirmed(data.confirm, "Maintenance mode")
        control = await service.set_maintenance(pool, _actor(auth), on=data.on, message=data.message,
                                                reason=data.reason, retry_after=data.retry_after)
        return typed(ControlChange, {"control": control})

    @put("/routing/routes", responses=ERRORS, summary="Disable an API route prefix (503 + Retry-After) or enable it")
    async def route(self, pool: DbPool, auth: Auth, settings: AppSettings,
                    data: JSONBody[RouteSwitchRequest]) -> Response[Data[ControlChange]]:
        require_admin(auth, settings)
        if data.disabled:
            _confirmed(data.confirm, f"Disabling {data.route}")
        control = await service.set_route(pool, _actor(auth), route=data.route, disabled=data.disabled,
                                          message=data.message, reason=data.reason, retry_after=data.retry_after)
        return typed(ControlChange, {"control": control})

    @put("/routing/drivers", responses=ERRORS, summary="Runtime driver override for a cohort (driver null clears)")
    async def driver(self, pool: DbPool, auth: Auth, settings: AppSettings,
                     data: JSONBody[DriverOverrideRequest]) -> Response[Data[ControlChange]]:
        require_admin(auth, settings)
        control = await service.set_driver(pool, _actor(auth), cohort=data.cohort, driver=data.driver,
                                           reason=data.reason)
        return typed(ControlChange, {"control": control})

    # -- bundle rollout: the same service as `openagents bundle …` -----------------------------------

    async def _rollout(self, pool: Any, settings: Any, auth: Any, reason: str | None, op: Any) -> Response[Data[Rollout]]:
        store = BundleStore(Path(settings.bundles_dir))
        actor = {"user_id": auth.user_id, "session_id": auth.session_id, "by": auth.email, "reason": reason}
        async with pool.acquire() as conn:
            svc = RolloutService(conn, store, actor)
            try:
                if op is not None:
                    await op(svc)
            except RolloutError as exc:
                raise Conflict("rollout_refused", str(exc)) from None
            state = await svc.state()
            rows = await svc.rows()
        bundles = [{"build_id": r.build_id, "on_disk": r.on_disk, "registered": r.registered, "active": r.active,
                    "canary": r.canary, "size_bytes": r.size_bytes, "problem": r.problem} for r in rows]
        return typed(Rollout, {"active_build_id": state.active_build_id, "canary_build_id": state.canary_build_id,
                               "canary_percent": state.canary_percent, "killswitch": state.killswitch,
                               "bundles": bundles})

    @get("/bundles", responses=ERRORS, summary="Bundles and the rollout (active, canary, kill switch)")
    async def bundles(self, pool: DbPool, auth: Auth, settings: AppSettings) -> Response[Data[Rollout]]:
        require_admin(auth, settings)
        return await self._rollout(pool, settings, auth, None, None)

    @post("/bundles/activate", status_code=200, responses=ERRORS, summary="Activate a bundle for every cohort")
    async def activate(self, pool: DbPool, auth: Auth, settings: AppSettings,
                       data: JSONBody[ActivateBundleRequest]) -> Response[Data[Rollout]]:
        require_admin(auth, settings)
        _confirmed(data.confirm, "Activating a bundle")
        return await self._rollout(pool, settings, auth, data.reason, lambda s: s.activate(data.build_id))

    @post("/bundles/canary", status_code=200, responses=ERRORS, summary="Set the canary bundle and its percentage")
    async def canary(self, pool: DbPool, auth: Auth, settings: AppSettings,
                     data: JSONBody[CanaryRequest]) -> Response[Data[Rollout]]:
        require_admin(auth, settings)
        build_id = data.build_id
        op = (lambda s: s.clear_canary()) if build_id is None else (lambda s: s.canary(build_id, data.percent))
        return await self._rollout(pool, settings, auth, data.reason, op)

    @post("/bundles/rollback", status_code=200, responses=ERRORS, summary="Roll back to the previous activation")
    async def rollback(self, pool: DbPool, auth: Auth, settings: AppSettings,
                       data: JSONBody[RollbackRequest]) -> Response[Data[Rollout]]:
        require_admin(auth, settings)
        _confirmed(data.confirm, "A rollback")
        return await self._rollout(pool, settings, auth, data.reason, lambda s: s.rollback())

    @put("/bundles/killswitch", responses=ERRORS, summary="Service-worker kill switch on or off")
    async def killswitch(self, pool: DbPool, auth: Auth, settings: AppSettings,
                         data: JSONBody[KillSwitchRequest]) -> Response[Data[Rollout]]:
        require_admin(auth, settings)
        if data.on:
            _confirmed(data.confirm, "The kill switch")
        return await self._rollout(pool, settings, auth, data.reason, lambda s: s.killswitch(data.on))


class TelemetryController(Controller):
    path = "/telemetry"
    tags = ("ops",)
    request_max_body_size = 64 * 1024

    @post("/", status_code=202, responses=ERRORS, summary="Client telemetry (openagents.sync.client_telemetry.v1): "
          "validated by the contract, counted by kind")
    async def intake(self, request: Request[Any, Any, Any], pool: DbPool, settings: AppSettings,
                     data: JSONBody[TelemetryBatch]) -> Response[Data[TelemetryAccepted]]:
        await rate_limit.enforce(pool, telemetry.TELEMETRY_PER_IP, client_ip(request, settings))
        counts = telemetry.accept(data.events)
        return typed(TelemetryAccepted, {"accepted": sum(counts.values()), "by_kind": counts}, status=202)


class SmokeController(Controller):
    path = "/smoke"
    tags = ("ops",)

    @get("/stream", responses=ERRORS, summary="Smoke stream: database, then a Khala round trip through the smoke "
         "topic (operator token or loopback); 503 when a step fails")
    async def stream(self, request: Request[Any, Any, Any], pool: DbPool,
                     settings: AppSettings) -> Response[Data[SmokeReport]]:
        operator_access(request, settings, "The smoke stream")
        host, port = request.scope.get("server") or (settings.host, settings.port)
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        result = await smoke.run(pool, settings, f"ws://{host}:{port}/sync/socket")
        maintenance = await service.maintenance_message(pool) if result.ok else None
        report = {
            "ok": result.ok, "transport": "websocket", "protocol": "khala.ws.v1", "topic": smoke.SMOKE_TOPIC,
            "event_kinds": list(smoke.EVENT_KINDS), "kinds_seen": result.kinds_seen,
            "steps": [dataclasses.asdict(s) for s in result.steps], "maintenance": maintenance,
        }
        if not result.ok:
            failed = next(s for s in result.steps if not s.ok)
            raise Unavailable("smoke_failed", f"smoke step {failed.name} failed: {failed.detail}",
                              retry_after=5, details={"steps": report["steps"], "kinds_seen": result.kinds_seen})
        return ok(msgspec.convert(report, SmokeReport))

