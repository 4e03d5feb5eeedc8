"""A local OpenAI-compatible server: ``POST /v1/chat/completions`` with ``stream: true`` answers
server-sent events (``data: {chat.completion.chunk}`` lines, then ``data: [DONE]``), as OpenAI,
llama.cpp, vLLM and Ollama do. The reply is ``echo turn N: <last user message>`` word by word (N =
user messages so far); a message containing ``slow`` streams 200 words 20 ms apart; one containing
``fail`` gets a 500; a wrong key gets a 401."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

API_KEY = "sk-fake"
MODEL = "fake-model"


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
                fake.requests.append(body)
                if self.path != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": "not found"}})
                if self.headers.get("authorization") != f"Bearer {API_KEY}":
                    return self._json(401, {"error": {"message": "Incorrect API key provided"}})
                messages = body.get("messages") or []
                last = messages[-1]["content"] if messages else ""
                if "fail" in last:
                    return self._json(500, {"error": {"message": "The server had an error"}})
                turns = sum(1 for m in messages if m["role"] == "user")
                words = (["slow"] * 200) if "slow" in last else f"echo turn {turns}: {last}".split(" ")
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                try:
                    for index, word in enumerate(words):
                        chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": body.get("model"),
                                 "choices": [{"index": 0, "delta": {"content": word if index == 0 else " " + word},
                                              "finish_reason": None}]}
                        self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                        self.wfile.flush()
                        time.sleep(0.02 if "slow" in last else 0.001)
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    return

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
