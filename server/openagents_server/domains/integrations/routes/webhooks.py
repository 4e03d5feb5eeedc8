"""``POST /api/webhooks/resend``: Resend's delivery events, signed (Svix / Standard Webhooks)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from openagents_server.domains.integrations import webhooks
from openagents_server.domains.integrations.responses import WebhookAck
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.openapi import ERRORS
from openagents_server.responses import Data, typed
from openagents_server.services import AuthPool, DbPool

#: Resend's email events are a few KiB; anything far larger is not one.
MAX_WEBHOOK_BYTES = 256 * 1024


class ResendWebhookController(Controller):
    path = "/webhooks/resend"
    tags = ("webhooks",)
    request_max_body_size = MAX_WEBHOOK_BYTES

    @post("/", status_code=200, responses=ERRORS, summary="Resend delivery webhook: verified, applied once per svix-id (a replay answers 200 duplicate)")
    async def receive(self, pool: DbPool, auth_pool: AuthPool, integrations: Kit, request: Request[Any, Any, Any]) -> Response[Data[WebhookAck]]:
        body = await request.body()
        svix_id = webhooks.verify(integrations.webhook_verifiers, body, request.headers)
        outcome = await webhooks.ingest(pool, svix_id, body, read_pool=auth_pool)
        return typed(WebhookAck, {"svix_id": svix_id, "outcome": outcome})
