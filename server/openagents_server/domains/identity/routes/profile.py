"""The user's profile: ``/api/settings/profile``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch
from litestar.params import JSONBody
from msgspec import UNSET

from openagents_server.dependencies import Cache, Cookies, DbPool
from openagents_server.domains.identity import problems
from openagents_server.domains.identity import profile as profile_service
from openagents_server.domains.identity.authentication import (
    Auth,
    require,
    require_session,
)
from openagents_server.domains.identity.cookies import cleared_session_cookies
from openagents_server.domains.identity.responses import Deleted, Profile
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES
from openagents_server.domains.identity.schemas import ProfileDelete, ProfilePatch
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed


class ProfileController(Controller):
    path = "/settings/profile"
    tags = ("profile",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Read the profile")
    async def read(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[Profile]]:
        require("profile:read", auth)
        async with pool.acquire() as conn:
            return typed(Profile, await profile_service.get(conn, auth))

    @patch("/", responses=ERRORS, summary="Update the profile (name; the email belongs to the identity provider)")
    async def update(self, pool: DbPool, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[ProfilePatch]) -> Response[Data[Profile]]:
        require("profile:write", auth)
        if data.name is UNSET:
            raise problems.invalid("name", "nothing to update: send name")
        async with pool.acquire() as conn:
            return typed(Profile, await profile_service.rename(conn, credential_cache, auth, data.name.strip() if data.name else None))

    @delete("/", status_code=200, responses=ERRORS, summary="Delete the account: revokes every session and token")
    async def remove(self, pool: DbPool, cookie_names: Cookies, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[ProfileDelete]) -> Response[Data[Deleted]]:
        require_session(auth)
        async with pool.acquire() as conn:
            await profile_service.delete(conn, credential_cache, auth, data.email)
        cookies = cleared_session_cookies(cookie_names) if auth.via_cookie else []
        return typed(Deleted, {"deleted": True}, cookies=cookies)
