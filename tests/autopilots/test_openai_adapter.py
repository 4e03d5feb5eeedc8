"""The ``openai`` step adapter drives a run through function calling: a local server speaking the
OpenAI chat-completions shape (``tools`` in, ``tool_calls`` out) asks for ``feed.post``; the run
executes it through the tools API and sends the result back as a ``tool`` message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.settings import load_settings

from tests.autopilots.conftest import Person, wait_finished
from tests.identity.conftest import sign_in

API_KEY = "sk-fake"


@pytest.fixture
def fake_openai() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            seen.append(body)
            if self.headers.get("authorization") != f"Bearer {API_KEY}":
                return self._json(401, {"error": {"message": "Incorrect API key provided"}})
            messages = body["messages"]
            if messages[-1]["role"] == "tool":
                outcome = json.loads(messages[-1]["content"])
                message = {"role": "assistant", "content": f"Done: {outcome['status']}."}
            else:
                message = {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "call_abc", "type": "function",
                     "function": {"name": "feed__post", "arguments": json.dumps({"text": "hello from the model"})}}]}
            return self._json(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()


async def test_an_openai_model_calls_feed_post_through_function_calling(fake_openai, database_url: str,
                                                                         db: asyncpg.Connection) -> None:
    url, seen = fake_openai
    settings = load_settings({}, env="test", database_url=database_url, log_level="warning",
                             autopilot_openai_url=url, autopilot_openai_key=API_KEY,
                             autopilot_openai_model="fake-model")
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000") as client:
        ada = Person(await sign_in(client, db, "ada@example.com"), client)
        autopilot = await ada.autopilot(model="openai", tool_policy={"feed.post": "allow", "email.send": "deny"})
        run = (await ada.post(f"/api/autopilots/{autopilot['id']}/stream", {"text": "say hi on the feed"})).json()["data"]
        events = (await wait_finished(db, run["run_id"]))["events"]
        assert events[-1]["status"] == "succeeded", events
        result = next(e for e in events if e["type"] == "tool.result")
        assert result["tool"] == "feed.post" and result["status"] == "succeeded"
        assert next(e for e in events if e["type"] == "message.completed")["text"] == "Done: succeeded."
        shouts = (await ada.get("/api/shouts")).json()["data"]["shouts"]
        assert [s["text"] for s in shouts] == ["hello from the model"]
    first, second = seen
    assert first["model"] == "fake-model" and [t["function"]["name"] for t in first["tools"]] == ["feed__post"]
    assert first["messages"][0]["role"] == "system" and first["messages"][-1]["content"] == "say hi on the feed"
    assert second["messages"][-1]["role"] == "tool" and second["messages"][-1]["tool_call_id"] == "call_abc"
