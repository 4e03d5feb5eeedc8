"""Org memberships, the active org, and policy checks."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody

from openagents_server.dependencies import Cache, DbPool
from openagents_server.domains.identity import sessions as session_service
from openagents_server.domains.identity.authentication import (
    Auth,
    require,
    require_session,
)
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES
from openagents_server.domains.identity.schemas import ActiveOrgRequest, AuthorizeRequest
from openagents_server.domains.orgs import service as org_service
from openagents_server.domains.orgs.responses import ActiveOrg, Memberships, PolicyDecision
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed


class OrgsController(Controller):
    path = "/"
    tags = ("orgs",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/orgs/memberships", responses=ERRORS, summary="The user's org memberships and active org")
    async def memberships(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[Memberships]]:
        require("orgs:read", auth)
        async with pool.acquire() as conn:
            return typed(Memberships, await org_service.memberships(conn, auth))

    @post("/orgs/active", status_code=200, responses=ERRORS, summary="Choose the session's active org")
    async def set_active(self, pool: DbPool, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[ActiveOrgRequest]) -> Response[Data[ActiveOrg]]:
        require_session(auth)
        async with pool.acquire() as conn:
            return typed(ActiveOrg, await session_service.set_active_org(conn, credential_cache, auth, data.org_id))

    @post("/policy/authorize", status_code=200, responses=ERRORS, summary="May the caller use these scopes and topics?")
    async def authorize(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[AuthorizeRequest]) -> Response[Data[PolicyDecision]]:
        require("policy:authorize", auth)
        async with pool.acquire() as conn:
            return typed(PolicyDecision, await org_service.authorize(conn, auth, org_id=data.org_id,
                                                  required_scopes=data.required_scopes,
                                                  requested_topics=data.requested_topics))
