"""Personal access tokens: ``/api/tokens``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody

from openagents_server.dependencies import Cache, Cookies, DbPool
from openagents_server.domains.identity import sessions as session_service
from openagents_server.domains.identity.authentication import (
    Auth,
    require,
    require_session,
)
from openagents_server.domains.identity.cookies import cleared_session_cookies
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES
from openagents_server.domains.identity.schemas import CreateTokenRequest, ShortId
from openagents_server.domains.tokens import service as token_service
from openagents_server.domains.tokens.responses import (
    CreatedToken,
    DeletedTokens,
    RevokedCredential,
    TokenList,
)
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed


class TokensController(Controller):
    path = "/tokens"
    tags = ("tokens",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="List personal access tokens (never their values)")
    async def list_tokens(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[TokenList]]:
        require("tokens:read", auth)
        async with pool.acquire() as conn:
            return typed(TokenList, {"tokens": await token_service.list_tokens(conn, auth)})

    @post("/", status_code=201, responses=ERRORS, summary="Create a personal access token; its value is shown once")
    async def create_token(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth, data: JSONBody[CreateTokenRequest]) -> Response[Data[CreatedToken]]:
        # A token cannot mint tokens: otherwise one leaked PAT would outlive its own revocation.
        require_session(auth)
        async with pool.acquire() as conn:
            created = await token_service.create(conn, auth, name=data.name, abilities=data.abilities,
                                                 expires_at=data.expires_at)
        return typed(CreatedToken, created, status=201)

    @delete("/", status_code=200, responses=ERRORS, summary="Delete all of the user's personal access tokens")
    async def delete_all(self, pool: DbPool, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[DeletedTokens]]:
        require_session(auth)
        async with pool.acquire() as conn:
            ids = await token_service.delete(conn, credential_cache, auth, None)
        return typed(DeletedTokens, {"deleted_token_ids": ids})

    @delete("/current", status_code=200, responses=ERRORS, summary="Revoke the credential making this request")
    async def delete_current(self, pool: DbPool, cookie_names: Cookies, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[RevokedCredential]]:
        async with pool.acquire() as conn:
            if auth.kind == "pat":
                ids = await token_service.delete(conn, credential_cache, auth, auth.token_id)
                return typed(RevokedCredential, {"deleted_token_ids": ids})
            async with conn.transaction():
                await session_service.revoke(conn, credential_cache, user_id=auth.user_id, reason=session_service.LOGOUT,
                                             session_ids=[auth.session_id or ""])
        cookies = cleared_session_cookies(cookie_names) if auth.via_cookie else []
        return typed(RevokedCredential, {"revoked_session_ids": [auth.session_id]}, cookies=cookies)

    @delete("/{token_id:str}", status_code=200, responses=ERRORS, summary="Delete one personal access token")
    async def delete_one(self, pool: DbPool, credential_cache: Cache, request: Request[Any, Any, Any], auth: Auth, token_id: FromPath[ShortId]) -> Response[Data[DeletedTokens]]:
        if auth.kind == "pat" and auth.token_id != token_id:
            require_session(auth)
        async with pool.acquire() as conn:
            ids = await token_service.delete(conn, credential_cache, auth, token_id)
        return typed(DeletedTokens, {"deleted_token_ids": ids})
