"""Personal access tokens: ``/api/tokens``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody
from openagents_server.domains.identity import sessions as session_service
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
from openagents_server.domains.identity.schemas import CreateTokenRequest, ShortId
from openagents_server.domains.tokens import service as token_service
from openagents_server.openapi import ERRORS, SECURED

Resp = Response[dict[str, Any]]


class TokensController(Controller):
    path = "/api/tokens"
    tags = ("tokens",)
    dependencies = AUTH_DEPENDENCIES
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="List personal access tokens (never their values)")
    async def list_tokens(self, request: Request[Any, Any, Any], auth: Auth) -> Resp:
        require("tokens:read", auth)
        async with pool_of(request).acquire() as conn:
            return ok({"tokens": await token_service.list_tokens(conn, auth)})

    @post("/", status_code=201, responses=ERRORS, summary="Create a personal access token; its value is shown once")
    async def create_token(self, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[CreateTokenRequest]) -> Resp:
        # A token cannot mint tokens: otherwise one leaked PAT would outlive its own revocation.
        require_session(auth)
        async with pool_of(request).acquire() as conn:
            created = await token_service.create(conn, auth, name=data.name, abilities=data.abilities,
                                                 expires_at=data.expires_at)
        return ok(created, status=201)

    @delete("/", status_code=200, responses=ERRORS, summary="Delete all of the user's personal access tokens")
    async def delete_all(self, request: Request[Any, Any, Any], auth: Auth) -> Resp:
        require_session(auth)
        async with pool_of(request).acquire() as conn:
            ids = await token_service.delete(conn, auth, None)
        return ok({"deleted_token_ids": ids})

    @delete("/current", status_code=200, responses=ERRORS, summary="Revoke the credential making this request")
    async def delete_current(self, request: Request[Any, Any, Any], auth: Auth) -> Resp:
        async with pool_of(request).acquire() as conn:
            if auth.kind == "pat":
                ids = await token_service.delete(conn, auth, auth.token_id)
                return ok({"deleted_token_ids": ids})
            async with conn.transaction():
                await session_service.revoke(conn, user_id=auth.user_id, reason=session_service.LOGOUT,
                                             session_ids=[auth.session_id or ""])
        cookies = cleared_session_cookies(cookie_names(request)) if auth.via_cookie else []
        return ok({"revoked_session_ids": [auth.session_id]}, cookies=cookies)

    @delete("/{token_id:str}", status_code=200, responses=ERRORS, summary="Delete one personal access token")
    async def delete_one(self, request: Request[Any, Any, Any], auth: Auth, token_id: FromPath[ShortId]) -> Resp:
        if auth.kind == "pat" and auth.token_id != token_id:
            require_session(auth)
        async with pool_of(request).acquire() as conn:
            ids = await token_service.delete(conn, auth, token_id)
        return ok({"deleted_token_ids": ids})
