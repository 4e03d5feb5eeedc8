"""Reading the API client's answers duck-typed (no msgspec here: it is not loaded at boot): the outcome's
kind, the message to show, a field's error, and the server's ISO times as POSIX seconds."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def outcome_kind(outcome: Any) -> str:
    return type(outcome).__name__


def error_message(outcome: Any) -> str:
    if outcome_kind(outcome) == "RateLimited":
        return f"Too many posts for now. Try again in {int(outcome.retry_after_s + 0.999)} s."
    return str(getattr(outcome, "message", "Something went wrong."))


def field_error(outcome: Any, *names: str) -> str | None:
    fields = getattr(outcome, "fields", {}) or {}
    for name in names:
        if fields.get(name):
            return " ".join(fields[name])
    return None


def timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0
