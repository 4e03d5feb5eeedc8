"""The user's profile: ``/api/settings/profile``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch
from litestar.params import JSONBody
from msgspec import UNSET

from openagents_server.domains.identity import problems
from openagents_server.domains.identity import profile as profile_service
from openagents_server.domains.identity.authentication import (
    AUTH_DEPENDENCIES,
    Auth,
    cookie_names,
    pool_of,
    require,
    require_session,
)
from openagents_server.domains.identity.cookies import cleared_session_cookies
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES, ok
from openagents_server.domains.identity.schemas import ProfileDelete, ProfilePatch
from openagents_server.openapi import ERRORS, SECURED

Resp = Response[dict[str, Any]]


class ProfileController(Controller):
    path = "/api/settings/profile"
    tags = ("profile",)
    dependencies = AUTH_DEPENDENCIES
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Read the profile")
    async def read(self, request: Request[Any, Any, Any], auth: Auth) -> Resp:
        require("profile:read", auth)
        async with pool_of(request).acquire() as conn:
            return ok(await profile_service.get(conn, auth))

    @patch("/", responses=ERRORS, summary="Update the profile (name; the email belongs to the identity provider)")
    async def update(self, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[ProfilePatch]) -> Resp:
        require("profile:write", auth)
        if data.name is UNSET:
            raise problems.invalid("name", "nothing to update: send name")
        async with pool_of(request).acquire() as conn:
            return ok(await profile_service.rename(conn, auth, data.name.strip() if data.name else None))

    @delete("/", status_code=200, responses=ERRORS, summary="Delete the account: revokes every session and token")
    async def remove(self, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[ProfileDelete]) -> Resp:
        require_session(auth)
        async with pool_of(request).acquire() as conn:
            await profile_service.delete(conn, auth, data.email)
        cookies = cleared_session_cookies(cookie_names(request)) if auth.via_cookie else []
        return ok({"deleted": True}, cookies=cookies)
