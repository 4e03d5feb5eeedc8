"""``POST /api/internal/runtime/integrations/secrets/fetch``: a runtime worker's signed secret fetch."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import JSONBody

from openagents_server.dependencies import DbPool
from openagents_server.domains.integrations import internal
from openagents_server.domains.integrations.responses import FetchedSecret
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.domains.integrations.schemas import FetchSecretRequest
from openagents_server.openapi import ERRORS
from openagents_server.responses import Data, typed


class InternalSecretsController(Controller):
    path = "/internal/runtime/integrations/secrets"
    tags = ("internal",)
    request_max_body_size = 4 * 1024

    @post("/fetch", status_code=200, responses=ERRORS, summary="Runtime worker: the secret a run may use (HMAC-signed headers, 60 s window, one-use nonce)")
    async def fetch(self, pool: DbPool, integrations: Kit, request: Request[Any, Any, Any],
                    data: JSONBody[FetchSecretRequest]) -> Response[Data[FetchedSecret]]:
        body = await request.body()
        key_id = await internal.authenticate(pool, integrations, request.method, request.url.path, request.headers, body)
        fetched = await internal.fetch_secret(pool, integrations, key_id, run_id=data.run_id, user_id=data.user_id,
                                              provider=data.provider)
        return typed(FetchedSecret, fetched, headers={"cache-control": "no-store"})
