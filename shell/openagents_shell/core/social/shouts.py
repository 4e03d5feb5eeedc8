"""A shout as the feed shows it (:class:`ShoutView`), from the API's record or a live update's payload,
and lists of them merged newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openagents_shell.core.social.answers import timestamp


@dataclass(frozen=True)
class ShoutView:
    id: str
    seq: int
    zone: str
    text: str
    author_id: str
    author: str
    at: float  # POSIX seconds
    hidden: bool = False  # hidden by an administrator: only its author still sees it (ADR 0702)


def shout_view(s: Any) -> ShoutView:
    return ShoutView(id=s.id, seq=s.seq, zone=s.zone, text=s.text, author_id=s.author.id,
                     author=s.author.display_name, at=timestamp(s.created_at),
                     hidden=bool(getattr(s, "hidden", False)))


def shout_from_payload(seq: int, p: dict[str, Any]) -> ShoutView:
    author = p.get("author") or {}
    return ShoutView(id=str(p.get("id", "")), seq=seq, zone=str(p.get("zone", "")), text=str(p.get("text", "")),
                     author_id=str(author.get("id", "")), author=str(author.get("display_name", "")),
                     at=timestamp(str(p.get("created_at", ""))))


def merge_shouts(existing: tuple[ShoutView, ...], new: list[ShoutView]) -> tuple[ShoutView, ...]:
    """Newest first by seq, each shout once (a live update and a page may both bring it)."""
    seen = {s.id: s for s in existing}
    for s in new:
        seen[s.id] = s
    return tuple(sorted(seen.values(), key=lambda s: -s.seq))
