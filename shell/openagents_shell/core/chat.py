"""The chat on ``/`` and ``/chat/{thread}`` as pure state: the thread list, the transcript, the composer.

Requests are :class:`~openagents_shell.core.account.Call` effects (answers come back as ``Answered``);
timers are :class:`Later` effects. No msgspec here (imported at boot): answers' ``data`` are read by
attribute.

The transcript is a snapshot plus the worker topic's events after it. ``GET
/api/runtime/codex/threads/{id}`` gives the messages and ``khala.worker_seq``, the worker-topic seq
they include; :func:`apply_event` applies a later event exactly once (an event at or below
``chat.seq`` is dropped), so a reload mid-stream shows each token once. Until the page is fed live
events, it re-reads the snapshot while a turn is open (:data:`POLL_S`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from openagents_shell.core.account import Answered, Call, Goto
from openagents_shell.sync.live import Listen

WORKERS = "/api/runtime/codex/workers"
THREADS = "/api/runtime/codex/threads"
ACCESS = "/api/runtime/codex/access"
#: Without Codex access, the page asks again this often (a worker being linked shows up on its own).
ACCESS_POLL_S = 3.0
#: While a turn streams and Khala has delivered nothing yet, the snapshot is read this often, starting
#: :data:`FALLBACK_S` after the page asked for the live tail (a fallback: Khala is the way replies arrive).
POLL_S = 0.25
#: The envelope code of a request refused by the Codex access policy (ADR 0603).
ACCESS_REQUIRED = "codex_access_required"
FALLBACK_S = 10.0
#: Waiting for a worker's answer to thread/start (its request outcome), this often.
OUTCOME_POLL_S = 0.1
#: While the home page has no running worker to start a thread on, it re-reads the person's workers this
#: often (as /workers does), so a worker started in a terminal shows up without a reload.
WORKERS_POLL_S = 2.0


@dataclass(frozen=True)
class Message:
    key: str  # the item id (assistant) or ``user:{run_id}``
    role: str  # user | assistant
    text: str
    status: str  # completed | in_progress | interrupted | failed
    run_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ThreadRow:
    id: str
    preview: str
    worker_id: str


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    status: str
    adapter: str
    heartbeat_state: str
    heartbeat_age_s: float | None = None


@dataclass(frozen=True)
class Access:
    """``GET /api/runtime/codex/access``: may this person chat, and if not, why (see ADR 0603)."""

    allowed: bool
    reason: str  # linked | no_worker | adapter_not_allowed
    allowed_adapters: tuple[str, ...] = ()
    workers: int = 0


@dataclass(frozen=True)
class Chat:
    nonce: str = ""  # random per page load: request ids are ``{kind}-{nonce}-{n}``
    sent: int = 0
    threads: tuple[ThreadRow, ...] | None = None  # None: loading
    workers: tuple[WorkerRow, ...] | None = None
    thread_id: str | None = None
    loaded: bool = False
    worker_id: str = ""
    worker_status: str = ""
    topic: str = ""
    seq: int = 0  # the worker-topic seq the transcript includes
    messages: tuple[Message, ...] = ()
    active_run: str | None = None  # the run of the turn in progress
    draft: str = ""
    busy: bool = False
    stopping: bool = False
    notice: str | None = None
    starting: tuple[str, str] | None = None  # (worker_id, request_id) of a thread/start awaited
    pending_text: str = ""
    new_thread: str = ""  # the thread a first message on / was sent to (we go there once it is accepted)
    signed_out: bool = True  # until a page is entered with the signed-in hint
    live: bool = False  # worker-topic events arrive from Khala (no more snapshot polling)
    resync: bool = False  # Khala rehydrated the topic: live events wait for a fresh snapshot
    finished: frozenset[str] = frozenset()  # runs whose codex.response arrived live
    user: str = ""  # the signed-in person's id once /api/me answered: drafts are kept per person
    follow: bool = True  # the transcript is scrolled to its end and follows the stream
    unseen: int = 0  # transcript updates that arrived while the person was scrolled up
    access: Access | None = None  # the Codex access policy's answer (None: not read yet)


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatDraft:
    value: str


@dataclass(frozen=True)
class ChatSend:
    pass


@dataclass(frozen=True)
class ChatStop:
    pass


@dataclass(frozen=True)
class ChatPoll:
    """A :class:`Later` timer fired: ``what`` is ``thread`` (re-read the snapshot), ``start``, ``access``
    or ``workers`` (the home page, still without a running worker, reads the list again)."""

    what: str


@dataclass(frozen=True)
class ChatLive:
    """One worker-topic update from Khala (``seq`` is its watermark, ``payload`` the decoded JSON)."""

    topic: str
    seq: int
    payload: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class ChatResync:
    """Khala could not resume the worker topic (``LiveReset``): read the snapshot again, then go on."""

    topic: str


@dataclass(frozen=True)
class ChatUser:
    """The signed-in person is known (``/api/me``): their draft for this page is loaded (or kept)."""

    user_id: str


@dataclass(frozen=True)
class ChatScrolled:
    """The transcript was scrolled: ``at_end`` says whether it now shows the latest message's end."""

    at_end: bool


@dataclass(frozen=True)
class ChatJump:
    """"Jump to latest" was pressed."""


ChatIntent = ChatDraft | ChatSend | ChatStop | ChatPoll | ChatLive | ChatResync | ChatUser | ChatScrolled | ChatJump


# ---- effects ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Later:
    """Dispatch ``intent`` after ``seconds``, unless the person has left page ``scope``."""

    seconds: float
    intent: Any
    scope: str


@dataclass(frozen=True)
class SaveDraft:
    """Keep the composer's text for ``key`` (a thread id, or ``home``) across reloads (empty: forget it)."""

    key: str
    text: str


@dataclass(frozen=True)
class LoadDraft:
    """Put back the text kept for ``key`` (dispatched as a :class:`ChatDraft` when there is one)."""

    key: str
    scope: str


@dataclass(frozen=True)
class ScrollToEnd:
    """Scroll the scroll container ``key`` to its end after the next frame (the surface's ``follow_end``)."""

    key: str


TRANSCRIPT = "chat-transcript"
#: localStorage keys of drafts: ``drafts:{user_id}:{thread id or home}``; one person's drafts never
#: show for another, and sign-out deletes the person's (:func:`forget_drafts`). ``draft:`` (no person)
#: is the old form, deleted at any sign-out.
DRAFTS = "drafts:"
LEGACY_DRAFTS = "draft:"


def draft_key(chat: Chat) -> str:
    """Where this page's draft is kept; empty while the person is not known (then nothing is kept)."""
    return f"{DRAFTS}{chat.user}:{chat.thread_id or 'home'}" if chat.user else ""


def forget_drafts(storage: Any, user_id: str) -> int:
    """Delete ``user_id``'s drafts (and old person-less ones) from ``storage`` (``keys()``, ``set(k, "")``);
    returns how many went."""
    mine = f"{DRAFTS}{user_id}:"
    names = storage.keys()  # a storage, not a dict
    gone = [k for k in names if (user_id and k.startswith(mine)) or k.startswith(LEGACY_DRAFTS)]
    for key in gone:
        storage.set(key, "")
    return len(gone)


def _save(chat: Chat, text: str) -> list[Any]:
    key = draft_key(chat)
    return [SaveDraft(key, text)] if key else []


def _load_draft(chat: Chat, path: str) -> list[Any]:
    key = draft_key(chat)
    return [LoadDraft(key, path)] if key else []


def _kind(outcome: Any) -> str:
    return type(outcome).__name__


def problem_text(outcome: Any) -> str:
    if _kind(outcome) == "RateLimited":
        return f"{outcome.message} Try again in {int(outcome.retry_after_s + 0.999)} s."
    return str(getattr(outcome, "message", "Something went wrong."))


def chat_href(thread_id: str) -> str:
    return f"/chat/{quote(thread_id, safe='')}"


# ---- entering a page ----------------------------------------------------------------------------
def enter_home(chat: Chat, path: str, signed_in: bool, user: str = "") -> tuple[Chat, list[Any]]:
    chat = replace(Chat(nonce=chat.nonce, sent=chat.sent), signed_out=not signed_in, user=user if signed_in else "")
    if not signed_in:
        return chat, []
    return chat, [Call("chat_threads", "GET", f"{THREADS}?limit=50", "threads", path),
                  _workers_call(path), _access_call(path), *_load_draft(chat, path)]


def enter_thread(chat: Chat, path: str, thread_id: str, signed_in: bool, user: str = "") -> tuple[Chat, list[Any]]:
    chat = replace(Chat(nonce=chat.nonce, sent=chat.sent, threads=chat.threads), thread_id=thread_id,
                   signed_out=not signed_in, user=user if signed_in else "")
    if not signed_in:
        return chat, []
    return chat, [_load(path, thread_id), Call("chat_threads", "GET", f"{THREADS}?limit=50", "threads", path),
                  _access_call(path), *_load_draft(chat, path)]


def _workers_call(path: str) -> Call:
    return Call("chat_workers", "GET", WORKERS, "workers", path)


def _access_call(path: str) -> Call:
    return Call("chat_access", "GET", ACCESS, "access", path)


def _load(path: str, thread_id: str) -> Call:
    return Call("chat_thread", "GET", f"{THREADS}/{quote(thread_id, safe='')}", "thread", path)


def _request(chat: Chat, path: str, tag: str, worker_id: str, kind: str, method: str,
             params: dict[str, Any]) -> tuple[Chat, Call]:
    request_id = f"{kind}-{chat.nonce or 'x'}-{chat.sent}"
    call = Call(tag, "POST", f"{WORKERS}/{quote(worker_id, safe='')}/requests", "accepted", path,
                {"request_id": request_id, "method": method, "params": params})
    return replace(chat, sent=chat.sent + 1), call


def running_worker(chat: Chat) -> WorkerRow | None:
    for w in chat.workers or ():
        if w.status == "running" and w.heartbeat_state != "missing":
            return w
    return None


# ---- the reducer ----------------------------------------------------------------------------------
def reduce_chat(chat: Chat, intent: Any, path: str, *, online: bool = True) -> tuple[Chat, list[Any]]:
    if isinstance(intent, ChatDraft):
        if intent.value == chat.draft:
            return chat, []
        return replace(chat, draft=intent.value, notice=None if chat.notice and not chat.busy else chat.notice), \
            _save(chat, intent.value)
    if isinstance(intent, ChatUser):
        if chat.signed_out or not intent.user_id or intent.user_id == chat.user:
            return chat, []
        chat = replace(chat, user=intent.user_id)
        # typed before the person was known: keep it under their key; else put their draft back
        return chat, (_save(chat, chat.draft) if chat.draft else _load_draft(chat, path))
    if isinstance(intent, ChatScrolled):
        if intent.at_end:
            return (chat if chat.follow and not chat.unseen else replace(chat, follow=True, unseen=0)), []
        return (replace(chat, follow=False) if chat.follow else chat), []
    if isinstance(intent, ChatJump):
        return replace(chat, follow=True, unseen=0), [ScrollToEnd(TRANSCRIPT)]
    if isinstance(intent, ChatSend):
        return _send(chat, path, online)
    if isinstance(intent, ChatStop):
        if chat.active_run is None or chat.stopping or not chat.thread_id:
            return chat, []
        chat, call = _request(chat, path, "chat_stop", chat.worker_id, "stop", "turn/interrupt",
                              {"thread_id": chat.thread_id})
        return replace(chat, stopping=True), [call]
    if isinstance(intent, ChatPoll):
        if intent.what == "thread" and chat.thread_id and chat.active_run and not chat.live:
            return chat, [_load(path, chat.thread_id)]
        if intent.what == "workers" and chat.thread_id is None and not chat.signed_out and running_worker(chat) is None:
            return chat, [_workers_call(path)]
        if intent.what == "access" and chat.access is not None and not chat.access.allowed and not chat.signed_out:
            return chat, [_access_call(path)]
        if intent.what == "start" and chat.starting:
            worker_id, request_id = chat.starting
            return chat, [Call("chat_start_outcome", "GET",
                               f"{WORKERS}/{quote(worker_id, safe='')}/requests/{request_id}", "outcome", path)]
        return chat, []
    if isinstance(intent, ChatLive):
        if chat.resync:
            return chat, []
        applied = apply_event(chat, intent.topic, intent.seq, intent.payload)
        if applied is chat:
            return chat, []
        return _transcript_moved(chat, replace(applied, live=True))
    if isinstance(intent, ChatResync):
        if intent.topic != chat.topic or not chat.thread_id:
            return chat, []
        return replace(chat, resync=True), [_load(path, chat.thread_id)]
    if isinstance(intent, Answered):
        return _answered(chat, intent, path)
    return chat, []


def _transcript_moved(before: Chat, after: Chat) -> tuple[Chat, list[Any]]:
    """The transcript changed under the person: follow it to the end, or count it for "Jump to latest"."""
    if after.messages == before.messages:
        return after, []
    if after.follow:
        return after, [ScrollToEnd(TRANSCRIPT)]
    return replace(after, unseen=after.unseen + 1), []


def _denied(chat: Chat, path: str) -> tuple[Chat, list[Any]]:
    """The server refused for want of Codex access: the page explains (and reads the policy's answer)."""
    access = chat.access if chat.access is not None and not chat.access.allowed else Access(False, "no_worker")
    return replace(chat, busy=False, starting=None, access=access, notice=None), [_access_call(path)]


def _send(chat: Chat, path: str, online: bool) -> tuple[Chat, list[Any]]:
    text = chat.draft.strip()
    if chat.busy or not text:
        return chat, []
    if chat.access is not None and not chat.access.allowed:
        return chat, []
    if not online:
        return replace(chat, notice="You are offline; the message will be sendable when the connection is back."), []
    if chat.thread_id is None:  # on /: start a thread on a running worker, then send the turn there
        worker = running_worker(chat)
        if worker is None:
            return replace(chat, notice="No worker is running. Start one on the Workers page, then send again."), []
        chat, call = _request(chat, path, "chat_start", worker.worker_id, "start", "thread/start", {})
        return replace(chat, busy=True, notice=None, pending_text=text,
                       starting=(worker.worker_id, call.payload["request_id"])), [call]  # type: ignore[index]
    if not chat.loaded:
        return chat, []
    chat, call = _request(chat, path, "chat_turn", chat.worker_id, "turn", "turn/start",
                          {"thread_id": chat.thread_id, "text": text})
    return replace(chat, busy=True, notice=None, pending_text=text), [call]


def _snapshot(chat: Chat, data: Any) -> Chat:
    messages = tuple(Message(m.item_id, m.role, m.text, m.status, m.run_id, m.reason) for m in data.messages)
    active = data.active_turns[-1].run_id if data.active_turns else None
    return replace(chat, loaded=True, worker_id=data.thread.worker_id, worker_status=data.worker.status,
                   topic=data.khala.topic, seq=data.khala.worker_seq, messages=messages, active_run=active,
                   stopping=chat.stopping and active is not None)


def _answered(chat: Chat, answer: Answered, path: str) -> tuple[Chat, list[Any]]:
    out, tag = answer.outcome, answer.tag
    if _kind(out) == "SignInNeeded":
        return replace(chat, busy=False), [Goto(out.href)]
    ok = _kind(out) == "Ok"
    if not ok and getattr(out, "code", "") == ACCESS_REQUIRED and tag in ("chat_start", "chat_first_turn", "chat_turn"):
        return _denied(chat, path)
    if tag == "chat_access":
        if not ok:  # the policy could not be read: the server still decides on each request
            return chat, []
        d = out.data
        access = Access(bool(d.allowed), str(d.reason), tuple(d.allowed_adapters), int(d.workers))
        return replace(chat, access=access), ([] if access.allowed else [Later(ACCESS_POLL_S, ChatPoll("access"), path)])
    if tag == "chat_threads":
        if not ok:
            return replace(chat, threads=(), notice=problem_text(out)), []
        return replace(chat, threads=tuple(ThreadRow(t.id, t.preview, t.worker_id) for t in out.data.data)), []
    if tag == "chat_workers":
        if not ok:
            return replace(chat, workers=(), notice=problem_text(out)), []
        chat = replace(chat, workers=tuple(WorkerRow(w.worker_id, w.status, w.adapter, w.heartbeat_state)
                                           for w in out.data.workers))
        waiting = chat.thread_id is None and running_worker(chat) is None
        return chat, ([Later(WORKERS_POLL_S, ChatPoll("workers"), path)] if waiting else [])
    if tag == "chat_thread":
        if not ok:
            return replace(chat, loaded=True, notice=problem_text(out)), []
        if chat.loaded and not chat.resync and out.data.khala.worker_seq < chat.seq:
            # live events already took the transcript past this snapshot: keep them (never go back)
            return chat, ([Later(POLL_S, ChatPoll("thread"), path)] if chat.active_run and not chat.live else [])
        first = not chat.topic
        before = chat
        chat = replace(_snapshot(chat, out.data), resync=False)
        effects: list[Any] = []
        if first:  # the live tail from exactly the seq the snapshot includes; the thread opens at its end
            effects += [Listen(chat.topic, path, after=chat.seq), ScrollToEnd(TRANSCRIPT)]
        else:
            chat, moved = _transcript_moved(before, chat)
            effects += moved
        if chat.active_run and not chat.live:
            effects.append(Later(FALLBACK_S if first else POLL_S, ChatPoll("thread"), path))
        return chat, effects
    if tag == "chat_start":
        if not ok:
            return replace(chat, busy=False, starting=None, notice=problem_text(out)), []
        return chat, [Later(OUTCOME_POLL_S, ChatPoll("start"), path)]
    if tag == "chat_start_outcome":
        if not ok:
            return replace(chat, busy=False, starting=None, notice=problem_text(out)), []
        if out.data.status == "accepted":
            return chat, [Later(OUTCOME_POLL_S, ChatPoll("start"), path)]
        response = out.data.response or {}
        thread_id = (response.get("result") or {}).get("thread_id")
        if not response.get("ok") or not thread_id:
            error = response.get("error") or {}
            return replace(chat, busy=False, starting=None,
                           notice=error.get("message", "The worker could not start a thread.")), []
        worker_id = chat.starting[0] if chat.starting else ""
        chat = replace(chat, starting=None, new_thread=thread_id)
        chat, call = _request(chat, path, "chat_first_turn", worker_id, "turn", "turn/start",
                              {"thread_id": thread_id, "text": chat.pending_text})
        return chat, [call]
    if tag == "chat_first_turn":
        if not ok:
            return replace(chat, busy=False, notice=problem_text(out)), []
        return replace(chat, busy=False, draft="", pending_text="", new_thread=""), [
            *_save(chat, ""), Goto(chat_href(chat.new_thread))]
    if tag == "chat_turn":
        if not ok:
            return replace(chat, busy=False, notice=problem_text(out)), []
        run_id = out.data.response.get("run_id", "")
        messages = chat.messages
        if not any(m.key == f"user:{run_id}" for m in messages):  # (the live codex.request may be here first)
            messages = (*messages, Message(f"user:{run_id}", "user", chat.pending_text, "completed", run_id))
        active = run_id if run_id and run_id not in chat.finished else chat.active_run
        # the person's own message: the transcript goes to its end and follows the reply
        chat = replace(chat, busy=False, draft="", pending_text="", messages=messages, active_run=active,
                       follow=True, unseen=0)
        return chat, [*_save(chat, ""), ScrollToEnd(TRANSCRIPT),
                      *([] if chat.live else [Later(FALLBACK_S, ChatPoll("thread"), path)])]
    if tag == "chat_stop":
        if not ok:
            return replace(chat, stopping=False, notice=problem_text(out)), []
        return chat, []
    return chat, []


# ---- live events ------------------------------------------------------------------------------------
def apply_event(chat: Chat, topic: str, seq: int, payload: dict[str, Any]) -> Chat:
    """Apply one worker-topic event after the snapshot: once (``seq <= chat.seq`` is dropped), in order."""
    if topic != chat.topic or seq <= chat.seq or not chat.loaded:
        return chat
    chat = replace(chat, seq=seq)
    kind = payload.get("type")
    if kind in ("worker.summary",) or str(kind).startswith("worker."):
        status = payload.get("status")
        return replace(chat, worker_status=status) if isinstance(status, str) else chat
    params = payload.get("params") or {}
    run_id = str(payload.get("run_id", ""))
    if kind == "codex.request":
        if payload.get("method") == "turn/start" and params.get("thread_id") == chat.thread_id:
            key = f"user:{run_id}"
            if not any(m.key == key for m in chat.messages):
                chat = replace(chat, messages=(*chat.messages, Message(key, "user", str(params.get("text", "")),
                                                                       "completed", run_id)))
            return replace(chat, active_run=run_id)
        return chat
    if kind == "codex.notification" and params.get("thread_id") == chat.thread_id:
        method, item = payload.get("method"), str(params.get("item_id", ""))
        if method == "item/started" and params.get("item_kind") in ("agent_message", "agentMessage"):
            if not any(m.key == item for m in chat.messages):
                chat = replace(chat, messages=(*chat.messages, Message(item, "assistant", "", "in_progress", run_id)))
        elif method == "item/agentMessage/delta":
            delta = str(params.get("delta", ""))
            chat = replace(chat, messages=tuple(replace(m, text=m.text + delta) if m.key == item else m
                                                for m in chat.messages))
        elif method == "item/completed":
            status = str(params.get("item_status", "completed"))
            chat = replace(chat, messages=tuple(replace(m, status=status) if m.key == item else m
                                                for m in chat.messages))
        return chat
    if kind == "codex.response" and run_id and run_id == chat.active_run:
        if not payload.get("ok"):
            reason = str((payload.get("error") or {}).get("code", "worker_error"))
            chat = replace(chat, messages=tuple(
                replace(m, status="failed", reason=reason) if m.run_id == run_id and m.status == "in_progress" else m
                for m in chat.messages))
        return replace(chat, active_run=None, stopping=False, finished=chat.finished | {run_id})
    if kind == "codex.response" and run_id:
        return replace(chat, finished=chat.finished | {run_id})
    return chat
