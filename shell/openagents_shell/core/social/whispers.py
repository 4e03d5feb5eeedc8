"""The whispers pages (``/account/whispers``, ``/account/whispers/{person}``) as pure state: the
conversations, the open thread, the composer; their intents, requests and reducer, and the nav's
unread count."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from openagents_shell.core.account import Call, Goto
from openagents_shell.core.social.answers import error_message, field_error, outcome_kind, timestamp
from openagents_shell.core.social.shared import PAGE, TICK_S, CatchUp, StartTicker, Tick
from openagents_shell.core.social.text import MAX_TEXT

WHISPERS = "/account/whispers"


@dataclass(frozen=True)
class WhisperView:
    id: str
    n: int
    sender_id: str
    sender: str
    recipient_id: str
    recipient: str
    text: str
    at: float
    read: bool


@dataclass(frozen=True)
class ConversationView:
    person_id: str
    person: str
    last_text: str
    at: float
    unread: int


@dataclass(frozen=True)
class Whispers:
    loaded: bool = False
    conversations: tuple[ConversationView, ...] = ()
    unread: int = 0
    with_id: str | None = None  # the person of the open thread
    with_name: str = ""
    thread: tuple[WhisperView, ...] = ()  # newest first
    next_before: int | None = None
    loading_more: bool = False
    error: str | None = None
    draft: str = ""
    draft_error: str | None = None
    sending: bool = False
    to_id: str = ""  # "new conversation with …" (a person's id, e.g. from a shout's author)
    now: float = 0.0


@dataclass(frozen=True)
class WhisperDraft:
    value: str


@dataclass(frozen=True)
class WhisperTo:
    value: str


@dataclass(frozen=True)
class SendWhisper:
    pass


@dataclass(frozen=True)
class WhispersMore:
    pass


@dataclass(frozen=True)
class MarkRead:
    whisper_id: str


@dataclass(frozen=True)
class WhisperChanged:
    """A ``whisper.created`` / ``whisper.read`` update from the person's notifications topic."""

    kind: str
    payload: dict[str, Any] = field(hash=False, compare=False)


def whisper_view(w: Any) -> WhisperView:
    return WhisperView(id=w.id, n=w.n, sender_id=w.sender.id, sender=w.sender.display_name,
                       recipient_id=w.recipient.id, recipient=w.recipient.display_name, text=w.text,
                       at=timestamp(w.created_at), read=w.read_at is not None)


def whisper_from_payload(p: dict[str, Any]) -> WhisperView:
    sender, recipient = p.get("sender") or {}, p.get("recipient") or {}
    return WhisperView(id=str(p.get("id", "")), n=int(p.get("n", 0)), sender_id=str(sender.get("id", "")),
                       sender=str(sender.get("display_name", "")), recipient_id=str(recipient.get("id", "")),
                       recipient=str(recipient.get("display_name", "")), text=str(p.get("text", "")),
                       at=timestamp(str(p.get("created_at", ""))), read=p.get("read_at") is not None)


def whispers_path(person_id: str | None = None) -> str:
    return WHISPERS if person_id is None else f"{WHISPERS}/{quote(person_id, safe='')}"


def enter_whispers(w: Whispers, path: str, rest: str) -> tuple[Whispers, list[Any]]:
    """``/account/whispers`` (conversations) or ``/account/whispers/{person}`` (a thread)."""
    parts = rest.split("/")
    person = parts[1] if len(parts) > 1 and parts[1] else None
    fresh = Whispers(with_id=person, now=w.now, draft=w.draft if person == w.with_id else "")
    effects: list[Any] = [Call("whispers_conversations", "GET", "/api/whispers/conversations", "conversations", path),
                          StartTicker(TICK_S, path)]
    if person:
        effects.append(Call("whispers_thread", "GET", f"/api/whispers?with={quote(person, safe='')}&limit={PAGE}",
                            "whisper_page", path))
    return fresh, effects


def _mark_unread(w: Whispers, path: str, whispers: list[WhisperView]) -> list[Any]:
    """Opening a thread reads it: each unread whisper *to me* (from the open person) is marked read."""
    return [Call(f"whispers_read:{x.id}", "PATCH", f"/api/whispers/{x.id}/read", "whisper", path)
            for x in whispers if not x.read and x.sender_id == w.with_id]


def reduce_whispers(w: Whispers, intent: Any, path: str) -> tuple[Whispers, list[Any]]:
    if isinstance(intent, Tick):
        return replace(w, now=intent.now), []
    if isinstance(intent, WhisperDraft):
        return replace(w, draft=intent.value, draft_error=None), []
    if isinstance(intent, WhisperTo):
        return replace(w, to_id=intent.value.strip()), []
    if isinstance(intent, SendWhisper):
        if w.sending:
            return w, []
        if w.with_id is None:  # the "whisper to …" box on the conversations page opens a thread
            if not w.to_id:
                return replace(w, draft_error="Enter the person's id."), []
            return w, [Goto(whispers_path(w.to_id))]
        text = w.draft.replace("\r\n", "\n").strip()
        if not text:
            return replace(w, draft_error="Write something first."), []
        if len(text) > MAX_TEXT:
            return replace(w, draft_error=f"At most {MAX_TEXT} characters ({len(text)} written)."), []
        return replace(w, sending=True, draft_error=None), [
            Call("whispers_send", "POST", "/api/whispers", "whisper", path,
                 {"recipient_id": w.with_id, "text": w.draft})]
    if isinstance(intent, WhispersMore):
        if w.loading_more or w.next_before is None or w.with_id is None:
            return w, []
        return replace(w, loading_more=True), [Call(
            "whispers_more", "GET",
            f"/api/whispers?with={quote(w.with_id, safe='')}&limit={PAGE}&before={w.next_before}",
            "whisper_page", path)]
    if isinstance(intent, MarkRead):
        return w, [Call(f"whispers_read:{intent.whisper_id}", "PATCH", f"/api/whispers/{intent.whisper_id}/read",
                        "whisper", path)]
    if isinstance(intent, WhisperChanged):
        return _whisper_changed(w, whisper_from_payload(intent.payload), intent.kind, path)
    if isinstance(intent, CatchUp):
        if not w.loaded:
            return w, []
        return w, _reload_whispers(w, path)
    tag, out = getattr(intent, "tag", ""), getattr(intent, "outcome", None)
    if outcome_kind(out) == "SignInNeeded":
        return replace(w, sending=False, loading_more=False), [Goto(out.href)]
    if tag == "whispers_conversations":
        if outcome_kind(out) != "Ok":
            return replace(w, loaded=True, error=error_message(out)), []
        convs = tuple(ConversationView(c.person.id, c.person.display_name, c.last_whisper.text,
                                       timestamp(c.last_whisper.created_at), c.unread_count)
                      for c in out.data.conversations)
        name = next((c.person for c in convs if c.person_id == w.with_id), w.with_name)
        return replace(w, loaded=True, conversations=convs, unread=out.data.unread_count, with_name=name), []
    if tag in ("whispers_thread", "whispers_more"):
        if outcome_kind(out) != "Ok":
            return replace(w, loading_more=False, error=error_message(out)), []
        got = [whisper_view(x) for x in out.data.whispers]
        thread = _merge_whispers(w.thread if tag == "whispers_more" else (), got)
        name = w.with_name or next((x.sender if x.sender_id == w.with_id else x.recipient for x in got), "")
        w = replace(w, thread=thread, next_before=out.data.next_before, loading_more=False, with_name=name,
                    unread=out.data.unread_count)
        return w, _mark_unread(w, path, got)
    if tag == "whispers_send":
        if outcome_kind(out) == "Ok":
            sent = whisper_view(out.data)
            return replace(w, sending=False, draft="", thread=_merge_whispers(w.thread, [sent])), []
        return replace(w, sending=False, draft_error=field_error(out, "text", "recipient_id") or error_message(out)), []
    if tag.startswith("whispers_read:") and outcome_kind(out) == "Ok":
        return _whisper_changed(w, whisper_view(out.data), "whisper.read", path)[0], []
    return w, []


def _merge_whispers(existing: tuple[WhisperView, ...], new: list[WhisperView]) -> tuple[WhisperView, ...]:
    seen = {x.id: x for x in existing}
    for x in new:
        seen[x.id] = x
    return tuple(sorted(seen.values(), key=lambda x: -x.n))


def _reload_whispers(w: Whispers, path: str) -> list[Any]:
    calls = [Call("whispers_conversations", "GET", "/api/whispers/conversations", "conversations", path)]
    if w.with_id:
        calls.append(Call("whispers_thread", "GET", f"/api/whispers?with={quote(w.with_id, safe='')}&limit={PAGE}",
                          "whisper_page", path))
    return calls


def _whisper_changed(w: Whispers, x: WhisperView, kind: str, path: str) -> tuple[Whispers, list[Any]]:
    """A whisper was sent or read (live, or an answer). The open thread changes at once; the
    conversations and unread counts are read again (one small request: the server's counts stay
    the truth, whichever tab or device read what)."""
    in_thread = w.with_id is not None and w.with_id in (x.sender_id, x.recipient_id)
    effects: list[Any] = []
    if in_thread:
        known = next((old for old in w.thread if old.id == x.id), None)
        w = replace(w, thread=_merge_whispers(w.thread, [x]))
        if kind == "whisper.created" and known is None and not x.read and x.sender_id == w.with_id:
            effects += _mark_unread(w, path, [x])  # shown in the open thread, so read now
    effects.append(Call("whispers_conversations", "GET", "/api/whispers/conversations", "conversations", path))
    return w, effects


def unread_call() -> Call:
    """The nav's unread count (app-wide: not cancelled by a navigation)."""
    return Call("nav_unread", "GET", "/api/whispers/conversations?limit=1", "conversations", None)  # type: ignore[arg-type]
