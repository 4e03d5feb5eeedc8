"""Social routes: ``/api/shouts`` (reading is public), ``/api/whispers``, ``/api/social/blocks``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation

from openagents_server.dependencies import AppSettings, AuthenticatorDep, DbPool
from openagents_server.domains.identity.admin import require_admin
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.routes._common import MAX_BODY_BYTES
from openagents_server.domains.social import service
from openagents_server.domains.social.page_cache import FirstPageCache
from openagents_server.domains.social.responses import (
    Block,
    BlockList,
    ConversationList,
    Report,
    ReportedShout,
    ReportQueue,
    Shout,
    ShoutPage,
    Unblocked,
    Whisper,
    WhisperPage,
    ZoneList,
)
from openagents_server.domains.social.schemas import (
    CreateShoutRequest,
    RecordId,
    ReportShoutRequest,
    ResolveReportRequest,
    SendWhisperRequest,
    UserId,
)
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, ok, typed

PageCache = NamedDependency[SkipValidation[FirstPageCache]]

#: PATs need this ability (or ``*``) to post; sessions always have it.
WRITE = "social:write"
#: Page size when the caller names none.
DEFAULT_PAGE = 30

Limit = Annotated[int, QueryParameter(ge=1, le=100, description="page size (1–100)")]
Before = Annotated[int | None, QueryParameter(ge=0, le=2**62, description="next_before of the previous page")]
After = Annotated[int | None, QueryParameter(ge=0, le=2**62, description="newest seq you have: newer shouts, oldest first")]
ZoneQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=32, description="one of /api/shouts/zones")]
UserQuery = Annotated[str | None, QueryParameter(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:.-]+$")]


async def _viewer(request: Request[Any, Any, Any], authenticator: Any) -> AuthContext | None:
    """The caller when a credential is presented (a bad one is still a 401), else anonymous."""
    if "authorization" not in request.headers and authenticator.cookie_names.session not in request.cookies:
        return None
    return await authenticator.authenticate(request)


class ShoutsController(Controller):
    path = "/shouts"
    tags = ("social",)
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Public shouts, newest first (keyset cursor; a viewer's blocked authors hidden)")
    async def list_shouts(self, pool: DbPool, authenticator: AuthenticatorDep, shout_page_cache: PageCache,
                          request: Request[Any, Any, Any], zone: ZoneQuery = None, author: UserQuery = None,
                          before: Before = None, after: After = None,
                          limit: Limit = DEFAULT_PAGE) -> Response[Data[ShoutPage]]:
        viewer = await _viewer(request, authenticator)
        # The anonymous first page (what every /feed visitor asks first) may be up to 1 s old; see page_cache.
        key = (zone, author, limit) if viewer is None and before is None and after is None else None
        cached = shout_page_cache.get(key) if key is not None else None
        if cached is None:
            async with pool.acquire() as conn:
                page = await service.list_shouts(conn, viewer, zone=zone, author_id=author, before=before,
                                                 after=after, limit=limit)
            if key is None:
                return ok(page)
            cached = msgspec.json.encode(Data(page))
            shout_page_cache.put(key, cached)
        return Response(cached, media_type=MediaType.JSON)  # type: ignore[return-value]

    @get("/zones", responses=ERRORS, summary="The known zones with their shout counts")
    async def zones(self, pool: DbPool) -> Response[Data[ZoneList]]:
        async with pool.acquire() as conn:
            return ok(await service.zones(conn))

    @post("/", status_code=201, security=SECURED,
          responses={**ERRORS, 200: ResponseSpec(Data[Shout], generate_examples=False,
                                                 description="the same text within 30 s: the first shout")},
          summary="Post a shout (201; the same text within 30 s answers 200 with the first shout)")
    async def create_shout(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                           data: JSONBody[CreateShoutRequest]) -> Response[Data[Shout]]:
        require(WRITE, auth)
        shout, created = await service.create_shout(pool, auth, text=data.text, zone=data.zone)
        return ok(shout, status=201 if created else 200)

    @post("/{shout_id:str}/report", status_code=201, responses=ERRORS, security=SECURED,
          summary="Report a shout to the admins (once per person; a repeat updates the reason)")
    async def report_shout(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                           shout_id: FromPath[RecordId],
                           data: JSONBody[ReportShoutRequest | None] = None) -> Response[Data[Report]]:
        require(WRITE, auth)
        report = await service.report_shout(pool, auth, shout_id, data.reason if data else None)
        return ok(report, status=201)


class WhispersController(Controller):
    path = "/whispers"
    tags = ("social",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="My whispers (sent and received), newest first; `with` narrows to one person")
    async def list_whispers(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                            with_: Annotated[str | None, QueryParameter(name="with", min_length=1, max_length=64,
                                                                        pattern=r"^[A-Za-z0-9_:.-]+$")] = None,
                            before: Before = None, limit: Limit = DEFAULT_PAGE) -> Response[Data[WhisperPage]]:
        async with pool.acquire() as conn:
            return ok(await service.list_whispers(conn, auth, other_id=with_, before=before, limit=limit))

    @get("/conversations", responses=ERRORS, summary="One entry per person I whisper with: last whisper, unread count")
    async def conversations(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                            limit: Limit = 50) -> Response[Data[ConversationList]]:
        async with pool.acquire() as conn:
            return typed(ConversationList, await service.conversations(conn, auth, limit))

    @post("/", status_code=201, responses=ERRORS, summary="Whisper to a person (refused if either blocked the other)")
    async def send_whisper(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                           data: JSONBody[SendWhisperRequest]) -> Response[Data[Whisper]]:
        require(WRITE, auth)
        return ok(await service.send_whisper(pool, auth, recipient_id=data.recipient_id, text=data.text), status=201)

    @patch("/{id:str}/read", status_code=200, responses=ERRORS, summary="Mark a whisper read (its recipient only)")
    async def mark_read(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                        id: FromPath[RecordId]) -> Response[Data[Whisper]]:
        require(WRITE, auth)
        return ok(await service.mark_read(pool, auth, id))


class BlocksController(Controller):
    path = "/social/blocks"
    tags = ("social",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="People I blocked")
    async def list_blocks(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth) -> Response[Data[BlockList]]:
        async with pool.acquire() as conn:
            return ok(BlockList(blocks=await service.blocks(conn, auth)))

    @post("/{user_id:str}", status_code=200, responses=ERRORS,
          summary="Block a person: their whispers to me are refused, their shouts hidden for me")
    async def block(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                    user_id: FromPath[UserId]) -> Response[Data[Block]]:
        require(WRITE, auth)
        async with pool.acquire() as conn:
            return ok(await service.block(conn, auth, user_id))

    @delete("/{user_id:str}", status_code=200, responses=ERRORS, summary="Unblock a person")
    async def unblock(self, pool: DbPool, request: Request[Any, Any, Any], auth: Auth,
                      user_id: FromPath[UserId]) -> Response[Data[Unblocked]]:
        require(WRITE, auth)
        async with pool.acquire() as conn:
            return ok(Unblocked(user_id=user_id, was_blocked=await service.unblock(conn, auth, user_id)))


class ReportsAdminController(Controller):
    """The administrators' review queue of shout reports (platform admin sessions only, ADR 0701)."""

    path = "/admin/social/reports"
    tags = ("social", "admin")
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Shout reports for review, newest first (admins only)")
    async def list_reports(self, pool: DbPool, settings: AppSettings, request: Request[Any, Any, Any], auth: Auth,
                           status: Annotated[str, QueryParameter(pattern=r"^(open|resolved|all)$",
                                                                 description="open (default), resolved or all")] = "open",
                           before: Before = None, limit: Limit = DEFAULT_PAGE) -> Response[Data[ReportQueue]]:
        require_admin(auth, settings)
        async with pool.acquire() as conn:
            return ok(await service.report_queue(conn, state=status, before=before, limit=limit))

    @post("/{report_id:str}/resolve", status_code=200, responses=ERRORS,
          summary="Resolve an open report: dismissed or actioned, with a note (admins only; once)")
    async def resolve_report(self, pool: DbPool, settings: AppSettings, request: Request[Any, Any, Any], auth: Auth,
                             report_id: FromPath[RecordId],
                             data: JSONBody[ResolveReportRequest]) -> Response[Data[ReportedShout]]:
        require_admin(auth, settings)
        return ok(await service.resolve_report(pool, auth, report_id, resolution=data.resolution, note=data.note))
