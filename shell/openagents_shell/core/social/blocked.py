"""``/account/blocked``: the people I blocked, each with an "Unblock" button (ADR 0703).

Blocking happens on ``/feed`` (a shout's "Block author"); its "Undo" lasts only until the next
action there, so this page is where a block is reviewed and lifted later. Unblocking asks the API
(``DELETE /api/social/blocks/{id}``) and takes the row away only once it answered: a failed request
leaves the row and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from openagents_shell.core.account import Call, Goto
from openagents_shell.core.social.answers import error_message, outcome_kind

BLOCKED = "/account/blocked"


@dataclass(frozen=True)
class BlockedPerson:
    user_id: str
    name: str
    since: str  # the day of the block, YYYY-MM-DD (a date needs no ticker to stay true)


@dataclass(frozen=True)
class Blocked:
    loaded: bool = False
    rows: tuple[BlockedPerson, ...] = ()
    pending: frozenset[str] = frozenset()  # user ids whose unblock is on its way
    notice: str | None = None
    error: str | None = None  # the list could not be read


@dataclass(frozen=True)
class Unblock:
    user_id: str


def enter_blocked(path: str = BLOCKED) -> tuple[Blocked, list[Any]]:
    return Blocked(), [Call("blocked_load", "GET", "/api/social/blocks", "block_list", path)]


def reduce_blocked(page: Blocked, intent: Any, path: str = BLOCKED) -> tuple[Blocked, list[Any]]:
    if isinstance(intent, Unblock):
        if intent.user_id in page.pending:
            return page, []
        return replace(page, pending=page.pending | {intent.user_id}, notice=None), [
            Call("blocked_unblock", "DELETE", f"/api/social/blocks/{quote(intent.user_id, safe='')}", "unblocked",
                 path)]
    tag, out = getattr(intent, "tag", ""), getattr(intent, "outcome", None)
    if outcome_kind(out) == "SignInNeeded":
        return page, [Goto(out.href)]
    if tag == "blocked_load":
        if outcome_kind(out) != "Ok":
            return replace(page, loaded=True, error=error_message(out)), []
        rows = tuple(BlockedPerson(b.person.id, b.person.display_name, b.created_at[:10])
                     for b in out.data.blocks)
        return replace(page, loaded=True, rows=rows, error=None), []
    if tag == "blocked_unblock":
        if outcome_kind(out) != "Ok":
            # Which row failed is not in a refusal; every pending one stays, with the reason.
            return replace(page, pending=frozenset(), notice=error_message(out)), []
        gone = out.data.user_id
        name = next((r.name for r in page.rows if r.user_id == gone), "them")
        return replace(page, rows=tuple(r for r in page.rows if r.user_id != gone), pending=page.pending - {gone},
                       notice=f"Unblocked {name}: their shouts show in your feed again, and they can whisper you."), []
    return page, []
