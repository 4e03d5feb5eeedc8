"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Response, get
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from msgspec import Struct

from openagents_server.db.migrate import pending_migrations
from openagents_server.dependencies import DbPool
from openagents_server.errors import error_response
from openagents_server.openapi import ErrorBody
from openagents_server.responses import Data


class Health(Struct):
    status: Literal["ok", "ready"]


_ALIVE = Data(Health("ok"))


class HealthController(Controller):
    include_in_schema = True
    tags = ["ops"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/healthz", summary="Process is alive")
    async def healthz(self) -> Data[Health]:
        return _ALIVE

    @get("/readyz", summary="Database reachable and migrations current",
         responses={503: ResponseSpec(ErrorBody, description="not ready: reasons in error.reasons")})
    async def readyz(self, pool: DbPool) -> Response[Data[Health]]:
        reasons: list[str] = []
        try:
            async with pool.acquire(timeout=2) as conn:
                pending = await pending_migrations(conn)
            if pending:
                reasons.append("migrations_pending: " + ", ".join(pending))
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; say which
            reasons.append(f"database_unreachable: {type(exc).__name__}")
        if reasons:
            return error_response(
                HTTP_503_SERVICE_UNAVAILABLE, "service_unavailable", "Not ready.", reasons=reasons
            )
        return Response(Data(Health("ready")))
