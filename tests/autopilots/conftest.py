"""Autopilot tests: an in-process app on a fresh database (runs execute in the app's event loop),
people signed in through the real login flow, and a local HTTP server for http.fetch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import Settings, load_settings

from tests.identity.conftest import Session, sign_in


@pytest.fixture
def settings(database_url: str) -> Settings:
    # http.fetch may reach the local test server (127.0.0.2), nothing else that is private.
    return load_settings({}, env="test", database_url=database_url, log_level="warning",
                         tools_http_allow=("127.0.0.2",))


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        yield client


@dataclass
class Person:
    session: Session
    client: AsyncTestClient

    @property
    def id(self) -> str:
        return self.session.user_id

    async def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return await self.client.request(method, path, json=body, headers={**self.session.headers, **(headers or {})})

    async def get(self, path: str) -> Any:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, body if body is not None else {})

    async def patch(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await self.call("PATCH", path, body, headers)

    async def autopilot(self, **fields: Any) -> dict[str, Any]:
        created = await self.post("/api/autopilots", {"name": "Scout", **fields})
        assert created.status_code == 201, created.text
        return created.json()["data"]

    async def tool(self, invocation_id: str, tool: str, arguments: dict[str, Any] | None = None, **extra: Any) -> Any:
        return await self.post("/api/runtime/tools/execute",
                               {"invocation_id": invocation_id, "tool": tool, "arguments": arguments or {}, **extra})


@pytest.fixture
async def ada(client: AsyncTestClient, db: asyncpg.Connection) -> Person:
    return Person(await sign_in(client, db, "ada@example.com"), client)


@pytest.fixture
async def bob(client: AsyncTestClient, db: asyncpg.Connection) -> Person:
    return Person(await sign_in(client, db, "bob@example.com"), client)


async def wait_finished(db: asyncpg.Connection, run_id: str, timeout: float = 15.0) -> dict[str, Any]:
    """The run's events once ``run.finished`` is among them."""
    import json

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await db.fetch("SELECT kind, payload FROM khala_events WHERE topic = $1 ORDER BY seq",
                              f"run:{run_id}:events")
        events = [json.loads(bytes(r["payload"])) for r in rows]
        if any(e["type"] == "run.finished" for e in events):
            return {"events": events}
        assert asyncio.get_running_loop().time() < deadline, f"run {run_id} did not finish: {events}"
        await asyncio.sleep(0.05)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        if self.path == "/hang":  # a target that never answers in time (a run stuck in a tool call)
            import time

            time.sleep(20)
            return
        if self.path == "/big":
            body = b"x" * (300 * 1024)
        elif self.path == "/redirect-private":
            self.send_response(302)
            self.send_header("location", "http://10.0.0.1/")
            self.end_headers()
            return
        else:
            body = b"hello from the test server"
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def web_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
