"""Khala sync tokens: ``/api/sync/token`` (and v1 alias) plus the legacy ``/api/khala/token``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import JSONBody

from openagents_server.dependencies import AppSettings, DbPool, Keys
from openagents_server.domains.identity import sync_tokens
from openagents_server.domains.identity.authentication import Auth, client_ip, require
from openagents_server.domains.identity.responses import LegacySyncToken, SyncToken
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES
from openagents_server.domains.identity.schemas import LegacyKhalaTokenRequest, SyncTokenRequest
from openagents_server.khala.tokens import ISSUER
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.rate_limit import enforce
from openagents_server.responses import Data, typed


class SyncTokenController(Controller):
    path = "/"
    tags = ("sync",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @post("/sync/token", status_code=200, responses=ERRORS, summary="Mint a Khala sync token bound to this session and device")
    async def sync_token(self, pool: DbPool, signing_keys: Keys, request: Request[Any, Any, Any], auth: Auth,
                         data: JSONBody[SyncTokenRequest | None] = None) -> Response[Data[SyncToken]]:
        require("sync:token", auth)
        data = data or SyncTokenRequest()
        async with pool.acquire() as conn:
            minted = await sync_tokens.issue(conn, auth, signing_keys, scopes=data.scopes,
                                             topics=data.topics, ttl_seconds=data.ttl_seconds,
                                             device_id=data.device_id, issuer=ISSUER)
        return typed(SyncToken, minted)


class PublicSyncTokenController(Controller):
    """``/api/sync/public-token``: no credential; the token reads public topics only (ADR 0700)."""

    path = "/"
    tags = ("sync",)
    request_max_body_size = MAX_BODY_BYTES

    @post("/sync/public-token", status_code=200, responses=ERRORS,
          summary="Mint an anonymous sync token for public topics (feed:public); 5 min TTL, rate limited per IP")
    async def public_token(self, pool: DbPool, settings: AppSettings, signing_keys: Keys,
                           request: Request[Any, Any, Any]) -> Response[Data[SyncToken]]:
        await enforce(pool, sync_tokens.PUBLIC_TOKENS_PER_IP, client_ip(request, settings))
        return typed(SyncToken, sync_tokens.issue_public(signing_keys, issuer=ISSUER))


class LegacyKhalaTokenController(Controller):
    """``/api/khala/token``: the older token shape, kept for older clients (never versioned)."""

    path = "/"
    tags = ("sync",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @post("/khala/token", status_code=200, responses=ERRORS, summary="Legacy sync token shape (kept for older clients)")
    async def khala_token(self, pool: DbPool, signing_keys: Keys, request: Request[Any, Any, Any], auth: Auth,
                          data: JSONBody[LegacyKhalaTokenRequest | None] = None) -> Response[Data[LegacySyncToken]]:
        require("sync:token", auth)
        data = data or LegacyKhalaTokenRequest()
        async with pool.acquire() as conn:
            minted = await sync_tokens.issue(conn, auth, signing_keys, scopes=data.scope, topics=None,
                                             ttl_seconds=data.ttl_seconds, device_id=None, issuer=ISSUER)
        return typed(LegacySyncToken, {
            "token": minted["token"],
            "token_type": "Bearer",
            "expires_in": minted["expires_in_seconds"],
            "expires_at": minted["expires_at"],
            "issuer": minted["issuer"],
            "audience": minted["audience"],
            "subject": minted["subject"],
            "org_id": minted["org_id"],
            "scopes": minted["granted_scopes"],
        })
