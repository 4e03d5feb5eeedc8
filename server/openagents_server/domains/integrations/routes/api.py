"""``/api/settings/integrations``: the JSON twins of the web entries, for the shell's settings page."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.params import JSONBody

from openagents_server.dependencies import DbPool
from openagents_server.domains.identity.authentication import Auth, require_session
from openagents_server.domains.integrations import service
from openagents_server.domains.integrations.responses import (
    Disconnected,
    GoogleAuthorization,
    Integration,
    IntegrationsOverview,
    TestEmailSent,
)
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.domains.integrations.schemas import ConnectResendRequest, TestEmailRequest
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

MAX_BODY_BYTES = 16 * 1024


class IntegrationsController(Controller):
    path = "/settings/integrations"
    tags = ("integrations",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="The person's integrations (never their secrets) and recent email deliveries")
    async def overview(self, pool: DbPool, auth: Auth, integrations: Kit) -> Response[Data[IntegrationsOverview]]:
        require_session(auth)
        async with pool.acquire() as conn:
            return typed(IntegrationsOverview, await service.overview(conn, integrations, auth.user_id))

    @post("/resend", status_code=201, responses=ERRORS, summary="Connect Resend: the key is checked with Resend, stored encrypted, shown only as a hint")
    async def connect_resend(self, pool: DbPool, auth: Auth, integrations: Kit, data: JSONBody[ConnectResendRequest]) -> Response[Data[Integration]]:
        require_session(auth)
        return typed(Integration, await service.connect_resend(pool, integrations, auth, data.api_key), status=201)

    @delete("/resend", status_code=200, responses=ERRORS, summary="Disconnect Resend: the stored key is destroyed")
    async def disconnect_resend(self, pool: DbPool, auth: Auth, integrations: Kit) -> Response[Data[Disconnected]]:
        require_session(auth)
        return typed(Disconnected, await service.disconnect(pool, integrations, auth, "resend"))

    @post("/resend/test", status_code=200, responses=ERRORS, summary="Send a test email through the connected Resend account")
    async def test_email(self, pool: DbPool, auth: Auth, integrations: Kit, data: JSONBody[TestEmailRequest]) -> Response[Data[TestEmailSent]]:
        require_session(auth)
        return typed(TestEmailSent, await service.send_test_email(pool, integrations, auth, data.to))

    @post("/google/authorize", status_code=200, responses=ERRORS, summary="Start connecting Google: the URL to send the browser to (state + PKCE)")
    async def google_authorize(self, pool: DbPool, auth: Auth, integrations: Kit) -> Response[Data[GoogleAuthorization]]:
        require_session(auth)
        url = await service.google_start(pool, integrations, auth)
        return typed(GoogleAuthorization, {"authorize_url": url})

    @delete("/google", status_code=200, responses=ERRORS, summary="Disconnect Google: revoked at Google, stored tokens destroyed")
    async def disconnect_google(self, pool: DbPool, auth: Auth, integrations: Kit) -> Response[Data[Disconnected]]:
        require_session(auth)
        return typed(Disconnected, await service.disconnect(pool, integrations, auth, "google"))
