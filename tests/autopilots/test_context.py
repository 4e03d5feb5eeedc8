"""The prompt context is deterministic (held against a fixture), bounded by the token budget with
the oldest messages dropped first and the drop recorded, and offers only the tools the policy lets
the autopilot call."""

from __future__ import annotations

import json
from pathlib import Path

from openagents_server.domains.autopilots import context

FIXTURE = Path(__file__).parents[1] / "fixtures" / "autopilot-context-v1.json"
POLICY = {"feed.post": "allow", "whisper.send": "ask", "email.send": "deny", "noop": "allow"}
HISTORY = [("user", "post hello to the feed"), ("assistant", "(demo) I called feed.post: done."),
           ("user", "now tell me a story " + "once upon a time " * 40), ("assistant", "The end."),
           ("user", "what did you post?")]


def _build(budget: int) -> context.Context:
    return context.build(name="Scout", instructions="Be brief.", policy=POLICY, history=HISTORY,
                         skills=[{"id": "greeter", "version": "0.1.0", "instructions": "Greet warmly."}],
                         budget=budget)


def test_the_built_context_matches_the_fixture_byte_for_byte() -> None:
    built = _build(budget=300)
    expected = json.loads(FIXTURE.read_text())
    assert json.loads(built.canonical) == expected["context"]
    assert built.context_hash == expected["context_hash"]
    assert _build(budget=300).canonical == built.canonical


def test_the_oldest_messages_are_dropped_first_and_the_drop_is_recorded() -> None:
    roomy, tight = _build(budget=100_000), _build(budget=300)
    assert roomy.dropped_messages == 0 and len(roomy.messages) == 6
    assert tight.dropped_messages == 3 and tight.dropped_tokens > 0 and tight.tokens <= 300
    assert [m["content"] for m in tight.messages[1:]] == ["The end.", "what did you post?"]
    starved = _build(budget=1)
    assert starved.messages[-1]["content"] == "what did you post?" and starved.dropped_messages == 4


def test_only_allowed_or_askable_tools_are_offered() -> None:
    assert [t["name"] for t in _build(budget=100_000).tools] == ["feed.post", "noop", "whisper.send"]
