"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Controller, Request, Response, get
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from openagents_server.db.migrate import pending_migrations
from openagents_server.errors import error_response


class HealthController(Controller):
    include_in_schema = True
    tags = ["ops"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get("/healthz", summary="Process is alive")
    async def healthz(self) -> dict[str, Any]:
        return {"data": {"status": "ok"}}

    @get("/readyz", summary="Database reachable and migrations current")
    async def readyz(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        pool: asyncpg.Pool = request.app.state.pool
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
        return Response({"data": {"status": "ready"}})
