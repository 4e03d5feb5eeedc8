"""How an autopilot run decides its next step, on the worker adapters of the runtime (issue 20):

* ``demo`` — deterministic and scripted, so tests and newcomers see a tool call without a model:
  "post <text> to the feed" calls ``feed.post``, "fetch <url>" ``http.fetch``, "whisper <text> to
  <person id>" ``whisper.send``, "email <address> <text>" ``email.send``, "pay <url>" ``l402.fetch``;
  anything else gets the runtime's :class:`DemoAdapter` reply. After a tool result it reports it.
* ``openai`` — an OpenAI-compatible ``/chat/completions`` with ``tools`` (function calling), at the
  runtime's :class:`OpenAIAdapter` settings (base URL, key, model).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from openagents_server.domains.autopilots.context import Context
from openagents_server.domains.runtime.worker.adapters import AdapterError, DemoAdapter


@dataclass(frozen=True, slots=True)
class ToolCall:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(slots=True)
class Step:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    call: ToolCall
    status: str
    decision: str
    reason_code: str
    result: dict[str, Any] | None
    error: dict[str, str] | None


class StepAdapter(Protocol):
    name: str

    async def step(self, context: Context, outcomes: list[ToolOutcome]) -> Step:
        """The next step given the context and the outcomes of the tool calls so far."""


_SCRIPT: tuple[tuple[re.Pattern[str], str, Any], ...] = (
    (re.compile(r"^\s*post\s+(?P<text>.+?)\s+to\s+the\s+feed\W*$", re.IGNORECASE | re.DOTALL), "feed.post",
     lambda m: {"text": m["text"]}),
    (re.compile(r"^\s*fetch\s+(?P<url>\S+)\s*$", re.IGNORECASE), "http.fetch", lambda m: {"url": m["url"]}),
    (re.compile(r"^\s*whisper\s+(?P<text>.+?)\s+to\s+(?P<who>\S+)\s*$", re.IGNORECASE | re.DOTALL), "whisper.send",
     lambda m: {"recipient_id": m["who"], "text": m["text"]}),
    (re.compile(r"^\s*email\s+(?P<to>\S+@\S+)\s+(?P<text>.+)$", re.IGNORECASE | re.DOTALL), "email.send",
     lambda m: {"to": m["to"], "subject": "A message from your autopilot", "text": m["text"]}),
    (re.compile(r"^\s*pay\s+(?P<url>\S+)\s*$", re.IGNORECASE), "l402.fetch", lambda m: {"url": m["url"]}),
)


class DemoStepAdapter:
    name = "demo"

    def __init__(self) -> None:
        self.text = DemoAdapter(delay=0)

    async def step(self, context: Context, outcomes: list[ToolOutcome]) -> Step:
        last = context.messages[-1]["content"]
        if outcomes:
            lines = []
            for outcome in outcomes:
                if outcome.status == "succeeded":
                    lines.append(f"(demo) I called {outcome.call.name}: done.")
                else:
                    why = (outcome.error or {}).get("message", "")
                    lines.append(f"(demo) I called {outcome.call.name}: {outcome.status} ({outcome.reason_code}). {why}")
            return Step(text=" ".join(lines).strip())
        for pattern, tool, arguments in _SCRIPT:
            match = pattern.match(last)
            if match:
                return Step(tool_calls=[ToolCall("call_1", tool, arguments(match))])
        thread = await self.text.start_thread()
        return Step(text="".join([piece async for piece in self.text.turn(thread, last)]))


def _function_name(tool: str) -> str:
    return tool.replace(".", "__")  # OpenAI function names allow [A-Za-z0-9_-] only


class OpenAIStepAdapter:
    name = "openai"

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 60.0) -> None:
        if not base_url or not model:
            raise AdapterError("not_configured", "the openai adapter needs OPENAGENTS_AUTOPILOT_OPENAI_URL and a model")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    async def step(self, context: Context, outcomes: list[ToolOutcome]) -> Step:
        messages: list[dict[str, Any]] = [dict(m) for m in context.messages]
        if outcomes:
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": o.call.call_id, "type": "function",
                 "function": {"name": _function_name(o.call.name), "arguments": json.dumps(o.call.arguments)}}
                for o in outcomes]})
            for o in outcomes:
                messages.append({"role": "tool", "tool_call_id": o.call.call_id, "content": json.dumps(
                    {"status": o.status, "decision": o.decision, "reason_code": o.reason_code, "result": o.result,
                     "error": o.error})})
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if context.tools and not outcomes:
            body["tools"] = [{"type": "function", "function": {"name": _function_name(t["name"]),
                                                               "description": t["description"],
                                                               "parameters": t["parameters"]}} for t in context.tools]
        try:
            async with httpx.AsyncClient(headers=self.headers, timeout=self.timeout, trust_env=False) as client:
                response = await client.post(f"{self.base_url}/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise AdapterError("upstream_unreachable", str(exc)) from None
        if response.status_code != 200:
            raise AdapterError("upstream_error", f"{response.status_code}: {response.text[:300]}")
        try:
            message = response.json()["choices"][0]["message"]
            names = {_function_name(t["name"]): t["name"] for t in context.tools}
            calls = [ToolCall(c["id"], names.get(c["function"]["name"], c["function"]["name"]),
                              json.loads(c["function"]["arguments"] or "{}")) for c in message.get("tool_calls") or []]
        except (ValueError, KeyError, IndexError, TypeError):
            raise AdapterError("upstream_malformed", f"not a chat.completion: {response.text[:200]}") from None
        return Step(text=message.get("content") or "", tool_calls=calls)
