"""``/api/runtime/codex/workers*``: a person's Codex workers. Thin: the runtime service owns the rules."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import structs

from openagents_server.dependencies import AppSettings, DbPool
from openagents_server.domains.codex.responses import (
    AdminOverview,
    AdminRunList,
    CodexAccess,
    EventsIngested,
    RequestAccepted,
    RequestOutcome,
    ThreadPage,
    ThreadSnapshot,
    Worker,
    WorkerCreated,
    WorkerList,
    WorkerStream,
)
from openagents_server.domains.codex.schemas import (
    CreateWorkerRequest,
    RequestId,
    StopWorkerBody,
    WorkerEventsBody,
    WorkerId,
    WorkerRequestBody,
)
from openagents_server.domains.identity.admin import require_admin
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.ops import service as ops_service
from openagents_server.domains.runtime import access as runtime_access
from openagents_server.domains.runtime import queries
from openagents_server.domains.runtime import service as runtime
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

#: A PAT needs ``runtime:write`` (or ``*``) to change workers and send requests, ``runtime:read`` to read.
ABILITY = "runtime:write"
READ = "runtime:read"
MAX_BODY_BYTES = 512 * 1024


class CodexWorkersController(Controller):
    path = "/runtime/codex/workers"
    tags = ("codex workers",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="The caller's Codex workers")
    async def list_workers(self, pool: DbPool, auth: Auth) -> Response[Data[WorkerList]]:
        require(READ, auth)
        return typed(WorkerList, {"workers": await runtime.list_workers(pool, auth)})

    @post("/", status_code=201, summary="Register a worker (or register a stopped one again)",
          responses={**ERRORS, 200: ResponseSpec(Data[WorkerCreated], generate_examples=False,
                                                 description="already registered: idempotent_replay is true")})
    async def create_worker(self, pool: DbPool, auth: Auth, data: JSONBody[CreateWorkerRequest]) -> Response[Data[WorkerCreated]]:
        require(ABILITY, auth)
        override = await ops_service.driver_override(pool, auth.user_id, auth.active_org_id)
        adapter = override[1] if override is not None else data.adapter  # routing control (OA-WEBPARITY-034)
        worker, replay = await runtime.create_worker(pool, auth, worker_id=data.worker_id, adapter=adapter,
                                                     metadata=data.metadata, idempotency_key=data.idempotency_key)
        return typed(WorkerCreated, {"worker": worker, "idempotent_replay": replay}, status=200 if replay else 201)

    @get("/{worker_id:str}", responses=ERRORS, summary="One worker: status, heartbeat, latest seq")
    async def get_worker(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId]) -> Response[Data[Worker]]:
        require(READ, auth)
        return typed(Worker, await runtime.get_worker(pool, auth, worker_id))

    @get("/{worker_id:str}/stream", responses=ERRORS,
         summary="Worker snapshot plus where its live events are delivered (Khala topic, head seq)")
    async def stream(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId]) -> Response[Data[WorkerStream]]:
        require(READ, auth)
        return typed(WorkerStream, await runtime.stream_info(pool, auth, worker_id))

    @post("/{worker_id:str}/requests", status_code=202, responses=ERRORS,
          summary="Send a request (thread/start, turn/start …) to the worker; idempotent per request_id")
    async def request(self, pool: DbPool, settings: AppSettings, auth: Auth, worker_id: FromPath[WorkerId],
                      data: JSONBody[WorkerRequestBody]) -> Response[Data[RequestAccepted]]:
        require(ABILITY, auth)
        answer = await runtime.submit_request(pool, auth, worker_id, data.request_id, data.method, data.params,
                                              chat_adapters=settings.chat_adapters)
        return typed(RequestAccepted, answer, status=200 if answer["idempotent_replay"] else 202)

    @get("/{worker_id:str}/requests/{request_id:str}", responses=ERRORS,
         summary="A request's state and its terminal response once it has one (for clients without Khala)")
    async def request_outcome(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId],
                              request_id: FromPath[RequestId]) -> Response[Data[RequestOutcome]]:
        require(READ, auth)
        return typed(RequestOutcome, await queries.request_outcome(pool, auth, worker_id, request_id))

    @post("/{worker_id:str}/events", status_code=200, responses=ERRORS,
          summary="The worker reports lifecycle events, notifications and request outcomes")
    async def events(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId],
                     data: JSONBody[WorkerEventsBody]) -> Response[Data[EventsIngested]]:
        require(ABILITY, auth)
        batch = [structs.asdict(e) for e in data.events]
        return typed(EventsIngested, await runtime.ingest(pool, auth, worker_id, batch))

    @post("/{worker_id:str}/stop", status_code=200, responses=ERRORS, summary="Stop the worker; its open runs fail")
    async def stop(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId],
                   data: JSONBody[StopWorkerBody | None] = None) -> Response[Data[Worker]]:
        require(ABILITY, auth)
        reason = data.reason if data is not None else "stop_requested"
        return typed(Worker, await runtime.stop_worker(pool, auth, worker_id, reason))


ThreadId = WorkerId
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="page size (1–100)")]
Cursor = Annotated[str | None, QueryParameter(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$",
                                              description="next_cursor of the previous page")]
WorkerFilter = Annotated[str | None, QueryParameter(min_length=1, max_length=100,
                                                    pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
StatusFilter = Annotated[str | None, QueryParameter(min_length=1, max_length=16, pattern=r"^[a-z]+$")]


class CodexAccessController(Controller):
    """The Codex access policy as the chat page needs it (ADR 0603)."""

    path = "/runtime/codex/access"
    tags = ("codex workers",)
    security = SECURED

    @get("/", responses=ERRORS, summary="May the caller chat: a linked worker with an allowed adapter, or why not")
    async def access(self, pool: DbPool, settings: AppSettings, auth: Auth) -> Response[Data[CodexAccess]]:
        require(READ, auth)
        return typed(CodexAccess, await runtime_access.state(pool, auth, settings.chat_adapters))


class CodexThreadsController(Controller):
    """The caller's Codex threads (read models projected from the run logs)."""

    path = "/runtime/codex/threads"
    tags = ("codex threads",)
    security = SECURED

    @get("/", responses=ERRORS, summary="The caller's threads, newest activity first (Codex thread/list shape)")
    async def list_threads(self, pool: DbPool, auth: Auth, worker_id: WorkerFilter = None, cursor: Cursor = None,
                           limit: Limit = 50) -> Response[Data[ThreadPage]]:
        require(READ, auth)
        return typed(ThreadPage, await queries.thread_list(pool, auth, limit=limit, worker_id=worker_id, cursor=cursor))

    @get("/{thread_id:str}", responses=ERRORS,
         summary="A thread's messages and open turns with the worker-topic seq they include (resume live from it)")
    async def get_thread(self, pool: DbPool, auth: Auth, thread_id: FromPath[ThreadId]) -> Response[Data[ThreadSnapshot]]:
        require(READ, auth)
        return typed(ThreadSnapshot, await queries.thread_snapshot(pool, auth, thread_id))


class RuntimeAdminController(Controller):
    """Every person's workers and runs, for platform administrators (``identity/admin.py``: sessions only)."""

    path = "/admin/runtime"
    tags = ("admin",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="Admin: every worker (with its owner) and the latest runs")
    async def overview(self, pool: DbPool, settings: AppSettings, auth: Auth, status: StatusFilter = None,
                       limit: Limit = 100) -> Response[Data[AdminOverview]]:
        require_admin(auth, settings)
        return typed(AdminOverview, await queries.admin_overview(pool, limit=limit, status=status))

    @get("/runs", responses=ERRORS, summary="Admin: the latest runs of every worker")
    async def runs(self, pool: DbPool, settings: AppSettings, auth: Auth, status: StatusFilter = None,
                   limit: Limit = 100) -> Response[Data[AdminRunList]]:
        require_admin(auth, settings)
        return typed(AdminRunList, {"runs": await queries.admin_runs(pool, limit=limit, status=status)})

    @post("/workers/{worker_id:str}/stop", status_code=200, responses=ERRORS,
          summary="Admin: stop anyone's worker (audited); its open runs fail")
    async def stop(self, pool: DbPool, settings: AppSettings, auth: Auth, worker_id: FromPath[WorkerId],
                   data: JSONBody[StopWorkerBody | None] = None) -> Response[Data[Worker]]:
        require_admin(auth, settings)
        reason = data.reason if data is not None else "stopped_by_admin"
        return typed(Worker, await runtime.stop_worker(pool, auth, worker_id, reason, as_admin=True))
