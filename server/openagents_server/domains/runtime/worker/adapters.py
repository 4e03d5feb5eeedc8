"""What executes a turn. One interface, three back-ends:

* ``demo`` — deterministic, local, labelled demo: echoes a fixed reply word by word;
* ``openai`` — any OpenAI-compatible ``/v1/chat/completions`` streaming endpoint (llama.cpp, vLLM,
  Ollama, OpenAI); URL, key and model from the environment;
* ``codex`` — ``codex app-server`` over JSON-RPC on stdio (adapter_codex.py).

The worker turns an adapter's deltas into Codex's notification sequence; adapters only produce text.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

import httpx


class AdapterError(Exception):
    """The back-end failed; ``code`` is reported as the request's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Adapter(Protocol):
    name: str

    async def start_thread(self) -> str:
        """A new conversation; returns its thread id."""

    def turn(self, thread_id: str, text: str) -> AsyncIterator[str]:
        """The reply to ``text`` in the thread, as text deltas."""

    async def interrupt(self, thread_id: str) -> None:
        """Stop the thread's running turn (the turn's iterator ends early)."""

    async def close(self) -> None: ...


@dataclass
class _Threads:
    history: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    interrupted: set[str] = field(default_factory=set)

    def new(self) -> str:
        thread_id = f"thr_{secrets.token_hex(8)}"
        self.history[thread_id] = []
        return thread_id

    def of(self, thread_id: str) -> list[dict[str, str]]:
        return self.history.setdefault(thread_id, [])


class DemoAdapter:
    """Deterministic: the same text always gives the same deltas. Says it is a demo."""

    name = "demo"

    def __init__(self, delay: float = 0.01) -> None:
        self.delay = delay
        self.threads = _Threads()

    async def start_thread(self) -> str:
        return self.threads.new()

    async def turn(self, thread_id: str, text: str) -> AsyncIterator[str]:
        self.threads.interrupted.discard(thread_id)
        history = self.threads.of(thread_id)
        history.append({"role": "user", "content": text})
        reply = (f"(demo) You said: {text.strip()}\n\nThis is the demo worker: it answers every message the same "
                 f"way, so you can try the chat without a model. Turn {len(history) // 2 + 1}.")
        sent = []
        for index, word in enumerate(reply.split(" ")):
            if thread_id in self.threads.interrupted:
                break
            piece = word if index == 0 else " " + word
            sent.append(piece)
            yield piece
            await asyncio.sleep(self.delay)
        history.append({"role": "assistant", "content": "".join(sent)})

    async def interrupt(self, thread_id: str) -> None:
        self.threads.interrupted.add(thread_id)

    async def close(self) -> None:
        return None


class OpenAIAdapter:
    """Streams ``POST {base_url}/chat/completions`` (server-sent events, ``data: {json}``, ``[DONE]``)."""

    name = "openai"

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.AsyncClient(headers=headers, timeout=timeout)
        self.threads = _Threads()

    async def start_thread(self) -> str:
        return self.threads.new()

    async def turn(self, thread_id: str, text: str) -> AsyncIterator[str]:
        self.threads.interrupted.discard(thread_id)
        history = self.threads.of(thread_id)
        history.append({"role": "user", "content": text})
        body = {"model": self.model, "stream": True, "messages": history}
        sent: list[str] = []
        try:
            async with self.http.stream("POST", f"{self.base_url}/chat/completions", json=body) as response:
                if response.status_code != 200:
                    detail = (await response.aread())[:300].decode(errors="replace")
                    raise AdapterError("upstream_error", f"{response.status_code}: {detail}")
                async for line in response.aiter_lines():
                    if thread_id in self.threads.interrupted:
                        break
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        chunk = json.loads(data)
                        delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                    except (ValueError, KeyError, IndexError, TypeError):
                        raise AdapterError("upstream_malformed", f"not a chat.completion.chunk: {data[:200]}") from None
                    if delta:
                        sent.append(delta)
                        yield delta
        except httpx.HTTPError as exc:
            raise AdapterError("upstream_unreachable", str(exc)) from None
        finally:
            history.append({"role": "assistant", "content": "".join(sent)})

    async def interrupt(self, thread_id: str) -> None:
        self.threads.interrupted.add(thread_id)

    async def close(self) -> None:
        await self.http.aclose()


def build(name: str, *, openai_url: str = "", openai_key: str = "", openai_model: str = "",
          codex_command: str = "codex app-server", delay: float = 0.01) -> Adapter:
    if name == "demo":
        return DemoAdapter(delay)
    if name == "openai":
        if not openai_url or not openai_model:
            raise AdapterError("not_configured", "the openai adapter needs OPENAI_BASE_URL and OPENAI_MODEL")
        return OpenAIAdapter(openai_url, openai_key, openai_model)
    if name == "codex":
        from openagents_server.domains.runtime.worker.adapter_codex import CodexAdapter

        return CodexAdapter(codex_command)
    raise AdapterError("unknown_adapter", f"unknown adapter {name!r}; use demo, openai or codex")
