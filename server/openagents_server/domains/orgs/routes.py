"""Org memberships, the active org, and policy checks."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from openagents_server.domains.identity import sessions as session_service
from openagents_server.domains.identity.authentication import (
    AUTH_DEPENDENCIES,
    Auth,
    pool_of,
    require,
    require_session,
)
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES, ok
from openagents_server.domains.identity.schemas import ActiveOrgRequest, AuthorizeRequest
from openagents_server.domains.orgs import service as org_service
from openagents_server.openapi import ERRORS, SECURED

Resp = Response[dict[str, Any]]


class OrgsController(Controller):
    path = "/api"
    tags = ("orgs",)
    dependencies = AUTH_DEPENDENCIES
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get(["/orgs/memberships", "/v1/orgs/memberships"], responses=ERRORS, summary="The user's org memberships and active org")
    async def memberships(self, request: Request[Any, Any, Any], auth: Auth) -> Resp:
        require("orgs:read", auth)
        async with pool_of(request).acquire() as conn:
            return ok(await org_service.memberships(conn, auth))

    @post(["/orgs/active", "/v1/orgs/active"], responses=ERRORS, summary="Choose the session's active org")
    async def set_active(self, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[ActiveOrgRequest]) -> Resp:
        require_session(auth)
        async with pool_of(request).acquire() as conn:
            return ok(await session_service.set_active_org(conn, auth, data.org_id))

    @post(["/policy/authorize", "/v1/policy/authorize"], responses=ERRORS, summary="May the caller use these scopes and topics?")
    async def authorize(self, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[AuthorizeRequest]) -> Resp:
        require("policy:authorize", auth)
        async with pool_of(request).acquire() as conn:
            return ok(await org_service.authorize(conn, auth, org_id=data.org_id,
                                                  required_scopes=data.required_scopes,
                                                  requested_topics=data.requested_topics))
