"""``POST /api/webhooks/resend``: Resend's delivery events, signed (Svix / Standard Webhooks)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.openapi import ResponseSpec

from openagents_server.dependencies import AuthPool, DbPool
from openagents_server.domains.integrations import webhooks
from openagents_server.domains.integrations.responses import WebhookAck
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.openapi import ERRORS, ErrorBody
from openagents_server.responses import Data, typed

#: Resend's email events are a few KiB; anything far larger is not one.
MAX_WEBHOOK_BYTES = 256 * 1024
WEBHOOK_ERRORS = {
    **ERRORS,
    400: ResponseSpec(data_container=ErrorBody, generate_examples=False,
                      description="missing_signature_headers, or stale_timestamp (more than 5 minutes off): nothing applied"),
    401: ResponseSpec(data_container=ErrorBody, generate_examples=False,
                      description="invalid_signature: no signing secret matches (body, id or timestamp changed): nothing applied"),
    503: ResponseSpec(data_container=ErrorBody, generate_examples=False,
                      description="apply_failed: recorded as failed with its retry state; the sender retries"),
}


class ResendWebhookController(Controller):
    path = "/webhooks/resend"
    tags = ("webhooks",)
    request_max_body_size = MAX_WEBHOOK_BYTES

    @post("/", status_code=200, responses=WEBHOOK_ERRORS, summary="Resend delivery webhook: verified, applied once per svix-id (a replay answers 200 duplicate)")
    async def receive(self, pool: DbPool, auth_pool: AuthPool, integrations: Kit, request: Request[Any, Any, Any]) -> Response[Data[WebhookAck]]:
        body = await request.body()
        svix_id = webhooks.verify(integrations.webhook_verifiers, body, request.headers)
        outcome = await webhooks.ingest(pool, svix_id, body, read_pool=auth_pool)
        return typed(WebhookAck, {"svix_id": svix_id, "outcome": outcome})
