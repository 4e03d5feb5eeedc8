"""Social text as the pages show it: the 500-character limit and what is left of it, relative times
("3 min ago"), and text cut into plain pieces and http(s) links."""

from __future__ import annotations

import re
from datetime import datetime

#: anchor (issue 21): 500 characters after trimming (the server's rule; the counter shows it).
MAX_TEXT = 500

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def relative(at: float, now: float) -> str:
    """"just now", "5 min ago", "3 h ago", "2 d ago", then the date."""
    if now <= 0 or at <= 0:
        return ""
    seconds = max(0.0, now - at)
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    if seconds < 7 * 86400:
        return f"{round(seconds / 86400)} d ago"
    return datetime.fromtimestamp(at).strftime("%d %b %Y")


def text_parts(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_link): http(s) URLs become links, everything else stays text
    (HTML is never interpreted: it is shown as the characters it is)."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _URL.finditer(text):
        if m.start() > pos:
            out.append((text[pos:m.start()], False))
        out.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def remaining(draft: str) -> int:
    return MAX_TEXT - len(draft.replace("\r\n", "\n").strip())
