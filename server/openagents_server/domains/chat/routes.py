"""``/api/chat*`` and ``/api/chats*``: deprecated reads (legacy shapes, ``Deprecation``/``Sunset``/``Link``
headers) and retired writes/streams (410 ``legacy_chat_retired`` naming the replacement)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from openagents_server.dependencies import DbPool
from openagents_server.domains.chat import service as chat
from openagents_server.domains.chat.responses import (
    Conversation,
    ConversationList,
    MessageList,
    RunEventList,
    RunList,
)
from openagents_server.domains.codex.schemas import WorkerId
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.identity.schemas import ShortId
from openagents_server.openapi import ERRORS, SECURED, ErrorBody
from openagents_server.responses import Data, typed

RETIRED = {**ERRORS, 410: ResponseSpec(data_container=ErrorBody, generate_examples=False,
                                       description="legacy_chat_retired: error.replacement names the endpoint to use")}
READ = {"deprecated": True, "responses": ERRORS, "tags": ("legacy chat",)}
GONE = {"deprecated": True, "responses": RETIRED, "tags": ("legacy chat",), "status_code": 410}
TURNS = "POST /api/runtime/codex/workers/{worker_id}/requests (turn/start)"
THREADS = "POST /api/runtime/codex/workers/{worker_id}/requests (thread/start)"
WORKERS = "POST /api/runtime/codex/workers"


class LegacyChatController(Controller):
    path = "/"
    security = SECURED

    @get("/chat/guest-session", summary="Retired: guest chat sessions (sign in and use a Codex worker)", **GONE)
    async def guest_session(self) -> Response[Data[None]]:
        raise chat.retired(WORKERS)

    @post("/chat", summary="Retired: send a chat message", **GONE)
    async def send(self) -> Response[Data[None]]:
        raise chat.retired(TURNS)

    @post("/chat/stream", summary="Retired: stream a chat reply (replies stream over Khala now)", **GONE)
    async def stream(self) -> Response[Data[None]]:
        raise chat.retired(TURNS)

    @post("/chats", summary="Retired: create a conversation", **GONE)
    async def create(self) -> Response[Data[None]]:
        raise chat.retired(THREADS)

    @post("/chats/{conversation_id:str}/stream", summary="Retired: stream a reply in a conversation", **GONE)
    async def conversation_stream(self, conversation_id: FromPath[WorkerId]) -> Response[Data[None]]:
        raise chat.retired(TURNS)

    @get("/chats", summary="Deprecated: the caller's conversations (Codex threads)", **READ)
    async def list_conversations(self, pool: DbPool, auth: Auth) -> Response[Data[ConversationList]]:
        require("runtime:read", auth)
        return typed(ConversationList, {"conversations": await chat.conversations(pool, auth)}, headers=chat.headers())

    @get("/chats/{conversation_id:str}", summary="Deprecated: one conversation (a Codex thread)", **READ)
    async def get_conversation(self, pool: DbPool, auth: Auth, conversation_id: FromPath[WorkerId]) -> Response[Data[Conversation]]:
        require("runtime:read", auth)
        return typed(Conversation, await chat.conversation(pool, auth, conversation_id), headers=chat.headers())

    @get("/chats/{conversation_id:str}/messages", summary="Deprecated: a conversation's messages", **READ)
    async def messages(self, pool: DbPool, auth: Auth, conversation_id: FromPath[WorkerId]) -> Response[Data[MessageList]]:
        require("runtime:read", auth)
        return typed(MessageList, await chat.messages(pool, auth, conversation_id), headers=chat.headers())

    @get("/chats/{conversation_id:str}/runs", summary="Deprecated: a conversation's runs (one per request)", **READ)
    async def runs(self, pool: DbPool, auth: Auth, conversation_id: FromPath[WorkerId]) -> Response[Data[RunList]]:
        require("runtime:read", auth)
        return typed(RunList, await chat.runs(pool, auth, conversation_id), headers=chat.headers())

    @get("/chats/{conversation_id:str}/runs/{run_id:str}/events", summary="Deprecated: a run's event log", **READ)
    async def run_events(self, pool: DbPool, auth: Auth, conversation_id: FromPath[WorkerId],
                         run_id: FromPath[ShortId]) -> Response[Data[RunEventList]]:
        require("runtime:read", auth)
        return typed(RunEventList, await chat.run_events(pool, auth, conversation_id, run_id), headers=chat.headers())
