"""``GET /api/web/client``: a client's delivery information (the build this device is served, the
kill switch, how often to look for updates, the compatibility window), through the API and its
client-build gate. The browser shell reads the same state from ``/manifest.json`` and its headers
instead, so that a warm boot revalidates one no-cache file (a 304) rather than calling the API."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get

from openagents_server.dependencies import AppSettings, DbPool, Hosting
from openagents_server.web.repository import Rollout


class ClientInfo(msgspec.Struct, kw_only=True):
    build_id: str | None
    canary: bool
    killswitch: bool
    update_check_seconds: int
    compatibility: dict[str, Any] | None


class ClientInfoResponse(msgspec.Struct):
    data: ClientInfo


class WebClientController(Controller):
    path = "/api/web"
    tags = ["web"]  # noqa: RUF012 - Litestar reads it as is

    @get("/client", summary="Delivery information for the web shell", cache=False)
    async def client(self, request: Request[Any, Any, Any], web_hosting: Hosting, pool: DbPool,
                     settings: AppSettings) -> ClientInfoResponse:
        choice = request.scope.get("state", {}).get("oa_web_choice")
        rollout: Rollout = await web_hosting.rollout.get(pool)
        bundle = choice.bundle if choice else None
        return ClientInfoResponse(ClientInfo(
            build_id=bundle.build_id if bundle else None,
            canary=bool(choice and choice.canary),
            killswitch=rollout.killswitch,
            update_check_seconds=settings.shell_update_check_seconds,
            compatibility=msgspec.to_builtins(bundle.manifest.compatibility) if bundle else None,
        ))
