"""``/api/runtime/codex/workers*``: a person's Codex workers. Thin: the runtime service owns the rules."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from msgspec import structs

from openagents_server.dependencies import DbPool
from openagents_server.domains.codex.responses import (
    EventsIngested,
    RequestAccepted,
    Worker,
    WorkerCreated,
    WorkerList,
    WorkerStream,
)
from openagents_server.domains.codex.schemas import (
    CreateWorkerRequest,
    StopWorkerBody,
    WorkerEventsBody,
    WorkerId,
    WorkerRequestBody,
)
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.runtime import service as runtime
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

#: Runtime routes act for the whole account: a PAT needs the ``*`` ability (there is no narrower one yet).
ABILITY = "*"
MAX_BODY_BYTES = 512 * 1024


class CodexWorkersController(Controller):
    path = "/runtime/codex/workers"
    tags = ("codex workers",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/", responses=ERRORS, summary="The caller's Codex workers")
    async def list_workers(self, pool: DbPool, auth: Auth) -> Response[Data[WorkerList]]:
        require(ABILITY, auth)
        return typed(WorkerList, {"workers": await runtime.list_workers(pool, auth)})

    @post("/", status_code=201, summary="Register a worker (or register a stopped one again)",
          responses={**ERRORS, 200: ResponseSpec(Data[WorkerCreated], generate_examples=False,
                                                 description="already registered: idempotent_replay is true")})
    async def create_worker(self, pool: DbPool, auth: Auth, data: JSONBody[CreateWorkerRequest]) -> Response[Data[WorkerCreated]]:
        require(ABILITY, auth)
        worker, replay = await runtime.create_worker(pool, auth, worker_id=data.worker_id, adapter=data.adapter,
                                                     metadata=data.metadata, idempotency_key=data.idempotency_key)
        return typed(WorkerCreated, {"worker": worker, "idempotent_replay": replay}, status=200 if replay else 201)

    @get("/{worker_id:str}", responses=ERRORS, summary="One worker: status, heartbeat, latest seq")
    async def get_worker(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId]) -> Response[Data[Worker]]:
        require(ABILITY, auth)
        return typed(Worker, await runtime.get_worker(pool, auth, worker_id))

    @get("/{worker_id:str}/stream", responses=ERRORS,
         summary="Worker snapshot plus where its live events are delivered (Khala topic, head seq)")
    async def stream(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId]) -> Response[Data[WorkerStream]]:
        require(ABILITY, auth)
        return typed(WorkerStream, await runtime.stream_info(pool, auth, worker_id))

    @post("/{worker_id:str}/requests", status_code=202, responses=ERRORS,
          summary="Send a request (thread/start, turn/start …) to the worker; idempotent per request_id")
    async def request(self, pool: DbPool, auth: Auth, worker_id: FromPath[WorkerId],
                      data: JSONBody[WorkerRequestBody]) -> Response[Data[RequestAccepted]]:
        require(ABILITY, auth)
        answer = await runtime.submit_request(pool, auth, worker_id, data.request_id, data.method, data.params)
        return typed(RequestAccepted, answer, status=200 if answer["idempotent_replay"] else 202)

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
