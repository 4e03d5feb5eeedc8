"""Intents the toolkit handles itself (the app's reducer never sees them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Copy:
    """Put ``text`` on the clipboard (the code block's copy button)."""

    text: str
