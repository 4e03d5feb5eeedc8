"""``/api/autopilots*`` and ``/api/settings/autopilot``: thin; the service owns the rules."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, SkipValidation
from msgspec import UNSET, structs

from openagents_server.dependencies import AppSettings, DbPool
from openagents_server.domains.autopilots import approvals, service
from openagents_server.domains.autopilots.executor import Runner
from openagents_server.domains.autopilots.responses import (
    Approval,
    ApprovalList,
    Autopilot,
    AutopilotList,
    Profile,
    RunAccepted,
    Thread,
    ThreadDetail,
    ThreadList,
)
from openagents_server.domains.autopilots.schemas import (
    CreateAutopilot,
    CreateThread,
    DecideApproval,
    Identifier,
    PatchAutopilot,
    PatchProfile,
    StreamMessage,
)
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.domains.payments.deps import Lightning
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

#: Autopilots act for the whole account: a PAT needs the ``*`` ability (as the runtime's routes).
ABILITY = "*"
MAX_BODY_BYTES = 64 * 1024
RunnerDep = NamedDependency[SkipValidation[Runner]]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False,
                                                description='The ETag you read (e.g. "3"); or send version in the body')]


def _changes(data: object, skip: tuple[str, ...] = ("version",)) -> dict[str, object]:
    return {k: v for k, v in structs.asdict(data).items() if v is not UNSET and k not in skip}  # type: ignore[arg-type]


def _with_etag(kind: type, value: dict, status: int = 200) -> Response:
    return typed(kind, value, status=status, headers={"etag": value["etag"]})


class AutopilotsController(Controller):
    path = "/autopilots"
    tags = ("autopilots",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Your autopilots and those shared with your orgs")
    async def list_autopilots(self, pool: DbPool, auth: Auth) -> Response[Data[AutopilotList]]:
        require(ABILITY, auth)
        return typed(AutopilotList, {"autopilots": await service.list_visible(pool, auth)})

    @post("/", status_code=201, responses=ERRORS, summary="Create an autopilot (defaults from /api/settings/autopilot)")
    async def create(self, pool: DbPool, auth: Auth, data: JSONBody[CreateAutopilot]) -> Response[Data[Autopilot]]:
        require(ABILITY, auth)
        created = await service.create(pool, auth, name=data.name, instructions=data.instructions, model=data.model,
                                       tool_policy=data.tool_policy,
                                       skills_=[structs.asdict(s) for s in data.skills], org_id=data.org_id)
        return _with_etag(Autopilot, created, 201)

    @get("/{autopilot:str}", responses=ERRORS, summary="One autopilot; ETag carries its version")
    async def read(self, pool: DbPool, auth: Auth, autopilot: FromPath[Identifier]) -> Response[Data[Autopilot]]:
        require(ABILITY, auth)
        return _with_etag(Autopilot, await service.get(pool, auth, autopilot))

    @patch("/{autopilot:str}", responses=ERRORS,
           summary="Change an autopilot; needs the version read (body or If-Match): a stale one is 409")
    async def update(self, pool: DbPool, auth: Auth, autopilot: FromPath[Identifier], data: JSONBody[PatchAutopilot],
                     if_match: IfMatch = None) -> Response[Data[Autopilot]]:
        require(ABILITY, auth)
        version = data.version if data.version is not UNSET else service.parse_if_match(if_match)
        changes = _changes(data)
        if "skills" in changes:
            changes["skills"] = [structs.asdict(s) for s in data.skills]  # type: ignore[union-attr]
        return _with_etag(Autopilot, await service.update(pool, auth, autopilot, version, changes))

    @get("/{autopilot:str}/threads", responses=ERRORS, summary="Your threads with this autopilot")
    async def list_threads(self, pool: DbPool, auth: Auth, autopilot: FromPath[Identifier]) -> Response[Data[ThreadList]]:
        require(ABILITY, auth)
        return typed(ThreadList, {"threads": await service.threads(pool, auth, autopilot)})

    @get("/{autopilot:str}/threads/{thread:str}", responses=ERRORS,
         summary="One of your threads: its messages and recent runs with their events (and each run's watermark)")
    async def read_thread(self, pool: DbPool, auth: Auth, autopilot: FromPath[Identifier],
                          thread: FromPath[Identifier]) -> Response[Data[ThreadDetail]]:
        require(ABILITY, auth)
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            return typed(ThreadDetail, await service.thread_detail(conn, auth, autopilot, thread))

    @post("/{autopilot:str}/threads", status_code=201, responses=ERRORS, summary="Open a thread with this autopilot")
    async def create_thread(self, pool: DbPool, auth: Auth, autopilot: FromPath[Identifier],
                            data: JSONBody[CreateThread | None] = None) -> Response[Data[Thread]]:
        require(ABILITY, auth)
        return typed(Thread, await service.create_thread(pool, auth, autopilot, data.title if data else ""), status=201)

    @post("/{autopilot:str}/stream", status_code=202,
          summary="Send a message: starts a run and answers at once with its id and the Khala topic to follow",
          responses={**ERRORS, 200: ResponseSpec(Data[RunAccepted], generate_examples=False,
                                                 description="the same client_run_id again: the first run")})
    async def stream(self, pool: DbPool, settings: AppSettings, integrations: Kit, lightning: Lightning,
                     autopilot_runner: RunnerDep, auth: Auth, autopilot: FromPath[Identifier], data: JSONBody[StreamMessage]) -> Response[Data[RunAccepted]]:
        require(ABILITY, auth)
        answer, created = await service.start_run(pool, auth, autopilot, text=data.text, thread_id=data.thread_id,
                                                  client_run_id=data.client_run_id)
        if created:
            autopilot_runner.bind(pool, settings, integrations, lightning).start(answer["run_id"])
        return typed(RunAccepted, answer, status=202 if created else 200)


    @get("/{autopilot:str}/approvals", responses=ERRORS,
         summary="Tool calls of this autopilot's runs waiting for your approval (owner only)")
    async def list_approvals(self, pool: DbPool, auth: Auth,
                             autopilot: FromPath[Identifier]) -> Response[Data[ApprovalList]]:
        require(ABILITY, auth)
        return typed(ApprovalList, {"approvals": await approvals.pending(pool, auth, autopilot)})

    @post("/{autopilot:str}/approvals/{approval:str}", status_code=200, responses=ERRORS,
          summary="Approve (the call runs) or deny (recorded denied) a paused tool call; the run then goes on. "
                  "Owner only; the same decision again answers the first, the other one is 409")
    async def decide_approval(self, pool: DbPool, settings: AppSettings, integrations: Kit, lightning: Lightning,
                              autopilot_runner: RunnerDep, auth: Auth, autopilot: FromPath[Identifier],
                              approval: FromPath[Identifier], data: JSONBody[DecideApproval]) -> Response[Data[Approval]]:
        require(ABILITY, auth)
        decided, resume = await approvals.decide(pool, auth, autopilot, approval, approve=data.decision == "approve",
                                                 note=data.note)
        if resume:
            autopilot_runner.bind(pool, settings, integrations, lightning).start(decided["run_id"])
        return typed(Approval, decided)


class AutopilotProfileController(Controller):
    path = "/settings/autopilot"
    tags = ("autopilots",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Your defaults for new autopilots (model, instructions, tool policy)")
    async def read(self, pool: DbPool, auth: Auth) -> Response[Data[Profile]]:
        require(ABILITY, auth)
        return _with_etag(Profile, await service.profile(pool, auth))

    @patch("/", responses=ERRORS, summary="Change your autopilot defaults; needs the version read (409 when stale)")
    async def update(self, pool: DbPool, auth: Auth, data: JSONBody[PatchProfile],
                     if_match: IfMatch = None) -> Response[Data[Profile]]:
        require(ABILITY, auth)
        version = data.version if data.version is not UNSET else service.parse_if_match(if_match)
        return _with_etag(Profile, await service.update_profile(pool, auth, version, _changes(data)))
