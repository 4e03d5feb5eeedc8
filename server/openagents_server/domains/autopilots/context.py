"""The prompt context of a run: the autopilot's instructions (and its pinned skills'), the thread's
history within a token budget, and the tools its policy lets it call. A pure function: the same
inputs give the same bytes (``Context.canonical``) and hash, which the run records.

Tokens are estimated, not counted with a model's tokenizer (the model is chosen per autopilot and
the estimate must not depend on it): ``ceil(chars / 4) + 4`` per message, the usual rule of thumb for
English with BPE tokenizers, plus the tools' schemas the same way. When the history does not fit,
the oldest messages are dropped first; the newest user message is always kept; the drop is recorded
(``dropped_messages``, ``dropped_tokens``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openagents_proto.canonical import canonical_json, hash_bytes

from openagents_server.domains.tools.registry import BUILTINS

#: The budget of a run's context (ours: fits the smallest common 8k-context models with room to answer).
DEFAULT_BUDGET_TOKENS = 6000
PER_MESSAGE_TOKENS = 4


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4) + PER_MESSAGE_TOKENS


@dataclass(frozen=True, slots=True)
class Context:
    messages: tuple[dict[str, str], ...]
    tools: tuple[dict[str, Any], ...]
    tokens: int
    budget: int
    dropped_messages: int
    dropped_tokens: int

    def as_dict(self) -> dict[str, Any]:
        return {"messages": list(self.messages), "tools": list(self.tools), "tokens": self.tokens,
                "budget": self.budget, "dropped_messages": self.dropped_messages,
                "dropped_tokens": self.dropped_tokens}

    @property
    def canonical(self) -> bytes:
        return canonical_json(self.as_dict())

    @property
    def context_hash(self) -> str:
        return hash_bytes(self.canonical)


def system_prompt(name: str, instructions: str, skills: Sequence[dict[str, str]]) -> str:
    parts = [f"You are {name}, an autopilot on OpenAgents acting for its owner."]
    if instructions.strip():
        parts.append(instructions.strip())
    for skill in skills:
        if skill.get("instructions", "").strip():
            parts.append(f"Skill {skill['id']}@{skill['version']}: {skill['instructions'].strip()}")
    return "\n\n".join(parts)


def tool_specs(policy: dict[str, str]) -> list[dict[str, Any]]:
    """The tools the model is offered: those the policy allows or lets it ask for, by name."""
    return [{"name": t.name, "description": t.description, "parameters": t.input_schema}
            for name, t in sorted(BUILTINS.items()) if policy.get(name, "deny") in ("allow", "ask")]


def build(*, name: str, instructions: str, policy: dict[str, str], history: Sequence[tuple[str, str]],
          skills: Sequence[dict[str, str]] = (), budget: int = DEFAULT_BUDGET_TOKENS) -> Context:
    """``history`` is the thread's ``(role, content)`` pairs, oldest first, ending with the new message."""
    system = {"role": "system", "content": system_prompt(name, instructions, skills)}
    tools = tool_specs(policy)
    fixed = estimate_tokens(system["content"]) + sum(estimate_tokens(json.dumps(t, sort_keys=True)) for t in tools)
    costs = [estimate_tokens(content) for _, content in history]
    keep_from = 0
    total = fixed + sum(costs)
    # Oldest first, never the newest message (the one this run answers).
    while total > budget and keep_from < len(history) - 1:
        total -= costs[keep_from]
        keep_from += 1
    kept = tuple({"role": role, "content": content} for role, content in history[keep_from:])
    return Context(messages=(system, *kept), tools=tuple(tools), tokens=total, budget=budget,
                   dropped_messages=keep_from, dropped_tokens=sum(costs[:keep_from]))
