"""Fixtures for the runtime: an in-process app on a fresh database, two signed-in people, and a
helper that plays a worker over the public events API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import Settings

from tests.identity.conftest import Session, sign_in

BASE = "/api/runtime/codex/workers"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    app = create_app(settings)
    async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


@dataclass
class Person:
    session: Session
    client: AsyncTestClient

    @property
    def headers(self) -> dict[str, str]:
        return self.session.headers

    async def get(self, path: str) -> Any:
        return await self.client.get(path, headers=self.headers)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.client.post(path, json=body if body is not None else {}, headers=self.headers)

    async def worker(self, adapter: str = "demo") -> str:
        """A registered worker that reported itself started (status running)."""
        created = await self.post(BASE, {"adapter": adapter})
        assert created.status_code == 201, created.text
        worker_id = created.json()["data"]["worker"]["worker_id"]
        started = await self.events(worker_id, {"event_type": "worker.started"})
        assert started.status_code == 200, started.text
        return worker_id

    async def events(self, worker_id: str, *events: dict[str, Any]) -> Any:
        return await self.post(f"{BASE}/{worker_id}/events", {"events": list(events)})

    async def request(self, worker_id: str, request_id: str, method: str, **params: Any) -> Any:
        return await self.post(f"{BASE}/{worker_id}/requests",
                               {"request_id": request_id, "method": method, "params": params})

    async def answer(self, worker_id: str, request_id: str, *notifications: tuple[str, dict[str, Any]],
                     result: dict[str, Any] | None = None, error: dict[str, Any] | None = None) -> Any:
        """Play the worker: report notifications, then the response."""
        batch = [{"event_type": "codex.notification", "request_id": request_id, "event_id": f"{request_id}:{i}",
                  "payload": {"method": m, "params": p}} for i, (m, p) in enumerate(notifications)]
        outcome = {"ok": False, "error": error} if error else {"ok": True, "result": result or {}}
        batch.append({"event_type": "codex.response", "request_id": request_id, "payload": outcome})
        return await self.events(worker_id, *batch)

    async def thread(self, worker_id: str, thread_id: str = "thr_1") -> str:
        accepted = await self.request(worker_id, f"start-{thread_id}", "thread/start")
        assert accepted.status_code == 202, accepted.text
        done = await self.answer(worker_id, f"start-{thread_id}", ("thread/started", {"thread_id": thread_id}),
                                 result={"thread_id": thread_id})
        assert done.status_code == 200, done.text
        return thread_id

    async def turn(self, worker_id: str, thread_id: str, request_id: str, text: str,
                   deltas: tuple[str, ...] = ("Hel", "lo")) -> Any:
        accepted = await self.request(worker_id, request_id, "turn/start", thread_id=thread_id, text=text)
        assert accepted.status_code == 202, accepted.text
        turn = f"turn_{request_id}"
        ids = {"thread_id": thread_id, "turn_id": turn}
        item = {**ids, "item_id": f"item_{request_id}"}
        return await self.answer(
            worker_id, request_id, ("turn/started", ids),
            ("item/started", {**item, "item_kind": "agent_message"}),
            *[("item/agentMessage/delta", {**item, "delta": d}) for d in deltas],
            ("item/completed", {**item, "item_kind": "agent_message", "item_status": "completed"}),
            ("turn/completed", {**ids, "status": "completed"}),
            result={"turn_id": turn, "turn_status": "completed"})


@pytest.fixture
async def ada(client: AsyncTestClient, db: asyncpg.Connection) -> Person:
    return Person(await sign_in(client, db, "ada@example.com"), client)


@pytest.fixture
async def bob(client: AsyncTestClient, db: asyncpg.Connection) -> Person:
    return Person(await sign_in(client, db, "bob@example.com"), client)
