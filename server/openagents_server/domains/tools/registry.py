"""The built-in tools: name, what it does, the JSON Schema of its arguments, why it may be risky,
and its default policy. A tool's arguments are validated with ``jsonschema`` (Draft 2020-12)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from jsonschema import Draft202012Validator

Rule = Literal["allow", "ask", "deny"]
RULES: tuple[Rule, ...] = ("allow", "ask", "deny")


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    #: Why a person might not want an autopilot to use it (shown next to its checkbox).
    risk: str
    default: Rule
    #: False while the back-end it needs does not exist (it answers ``tool_not_available``).
    available: bool = True
    #: Acts on nothing outside this database: it runs inside the transaction that records it.
    local: bool = False

    @property
    def validator(self) -> Draft202012Validator:
        return _VALIDATORS[self.name]


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_TEXT = {"type": "string", "minLength": 1, "maxLength": 500}
_URL = {"type": "string", "minLength": 8, "maxLength": 2048, "pattern": "^https?://"}

BUILTINS: dict[str, Tool] = {t.name: t for t in (
    Tool("noop", "Does nothing and answers {}: a health check of the tool path.",
         _object({"echo": {"type": "string", "maxLength": 200}}, []), "none: it has no effect", "allow", local=True),
    Tool("http.fetch", "GET or HEAD a public http(s) URL; at most 256 KiB of the body, 10 s.",
         _object({"url": _URL, "method": {"enum": ["GET", "HEAD"]},
                  "max_bytes": {"type": "integer", "minimum": 1, "maximum": 262144}}, ["url"]),
         "reads the public web: what it fetches enters the conversation", "allow"),
    Tool("feed.post", "Post a shout to the public feed as the autopilot's owner.",
         _object({"text": _TEXT, "zone": {"type": "string", "maxLength": 32}}, ["text"]),
         "posts publicly in your name", "allow"),
    Tool("whisper.send", "Send a private whisper to a person as the autopilot's owner.",
         _object({"recipient_id": {"type": "string", "minLength": 1, "maxLength": 64}, "text": _TEXT},
                 ["recipient_id", "text"]),
         "messages people in your name", "ask"),
    Tool("email.send", "Send an email through your connected Resend account.",
         _object({"to": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254},
                  "subject": {"type": "string", "minLength": 1, "maxLength": 200},
                  "text": {"type": "string", "minLength": 1, "maxLength": 20000}}, ["to", "subject", "text"]),
         "sends email from your account to anyone", "ask"),
    Tool("l402.fetch", "Fetch an L402-paywalled URL, paying the invoice within your spend policy.",
         _object({"url": _URL, "max_sats": {"type": "integer", "minimum": 1, "maximum": 100000}}, ["url"]),
         "spends sats from your agent wallet (within its spend policy)", "deny"),
)}

_VALIDATORS = {name: Draft202012Validator(tool.input_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
               for name, tool in BUILTINS.items()}

#: The policy a new profile starts from: each tool's default rule.
DEFAULT_POLICY: dict[str, Rule] = {name: tool.default for name, tool in BUILTINS.items()}


def argument_errors(tool: Tool, arguments: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors (``arguments.text`` → messages) from the tool's JSON Schema; empty when valid."""
    errors: dict[str, list[str]] = {}
    for error in sorted(tool.validator.iter_errors(arguments), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path)
        errors.setdefault(f"arguments.{path}" if path else "arguments", []).append(error.message[:300])
    return errors
