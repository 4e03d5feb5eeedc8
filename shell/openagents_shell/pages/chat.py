"""``/`` and ``/chat/{thread}``: the thread list, the transcript (markdown, streamed), the composer."""

from __future__ import annotations

from functools import lru_cache

from openagents_shell.core import lazy_packages
from openagents_shell.core.account import login_href
from openagents_shell.core.chat import (
    TRANSCRIPT,
    Access,
    Chat,
    ChatDraft,
    ChatJump,
    ChatSend,
    ChatStop,
    Message,
    chat_href,
    running_worker,
)
from openagents_shell.ui.components import (
    SMALL,
    badge,
    button,
    card,
    code_block,
    column,
    empty_state,
    error_state,
    heading,
    label,
    link,
    pad,
    paragraph,
    row,
    spinner,
    text_area,
)
from openagents_shell.ui.element import Element, Semantics, Style, box
from openagents_shell.ui.highlight import highlight
from openagents_shell.ui.markdown import markdown
from openagents_shell.ui.theme import RADIUS, SPACE

#: What a failed reply's reason means to a person.
REASONS = {
    "worker_stopped": "the worker stopped before it finished",
    "worker_failed": "the worker failed",
}
#: The transcript grows with its messages up to this height, then scrolls (and follows the stream).
TRANSCRIPT_MAX_H = 520.0
#: How a person links a Codex worker (ADR 0603): a token, then the worker on their machine.
LINK_COMMAND = "openagents worker run --token $OPENAGENTS_TOKEN --url {origin} --adapter {adapter} --worker-id my-laptop"
ADAPTER_NOTES = {
    "codex": "codex — your ChatGPT account, through the Codex CLI on your machine (run `codex login` first)",
    "openai": "openai — any OpenAI-compatible endpoint you run (llama.cpp, vLLM, Ollama)",
    "demo": "demo — a canned local responder, to try the chat",
}


def _signed_out(path: str) -> Element:
    return card(paragraph("Sign in to chat with your agents.", key="chat-signed-out"),
                link("Sign in", login_href(path), key="chat-sign-in"))


def _threads(chat: Chat) -> Element:
    if chat.threads is None:
        items: list[Element | None] = [spinner("Loading threads")]
    elif not chat.threads:
        items = [paragraph("No threads yet.", color="muted", font=SMALL)]
    else:
        items = [link(t.preview or "New thread", chat_href(t.id), current=t.id == chat.thread_id,
                      font=SMALL, key=f"chat-thread-{i}") for i, t in enumerate(chat.threads)]
    return box(heading("Threads", 3), link("New chat", "/", current=chat.thread_id is None, key="chat-new"), *items,
               sem=Semantics("navigation", name="Threads"), key="chat-threads",
               style=Style(gap=SPACE[1], width=220, shrink=0))


def _highlight_later(code: str, language: str) -> None:
    """A code block with a language and Pygments not loaded: ask for it (once; ADR 0308) and draw the
    block plain for now; the shell draws again when it is ready."""
    del code, language
    lazy_packages.want("pygments")


@lru_cache(maxsize=512)
def _message(m: Message, index: int, highlighted: bool = False) -> Element:
    """One message's elements; cached (messages and elements are immutable), so a streamed delta
    rebuilds only the message it changes, not the whole transcript's markdown. ``highlighted``: Pygments
    is loaded (part of the key, so a message drawn plain is drawn again highlighted)."""
    mine = m.role == "user"
    status = None
    if m.status == "in_progress":
        status = badge("writing…")
    elif m.status == "interrupted":
        status = badge("stopped")
    elif m.status == "failed":
        why = REASONS.get(m.reason, m.reason or "it did not finish")
        status = label(f"This reply did not finish: {why}.", font=SMALL, color="danger", key=f"chat-failed-{index}")
    body = box(paragraph(m.text) if mine else markdown(m.text, highlight if highlighted else _highlight_later),
               key=f"chat-text-{index}") if m.text else None
    return box(row(label("You" if mine else "Agent", font=SMALL, color="muted"), status),
               body, key=f"chat-msg-{index}", sem=Semantics("article", name="You" if mine else "Agent"),
               style=Style(gap=SPACE[1], padding=pad(SPACE[2], SPACE[3]), radius=RADIUS["md"],
                           background="subtle" if mine else None))


def _composer(chat: Chat, online: bool) -> Element:
    stop = button("Stopping…" if chat.stopping else "Stop", ChatStop(), variant="danger", disabled=chat.stopping,
                  key="chat-stop") if chat.active_run else None
    blocked = chat.busy or not online or (chat.thread_id is None and chat.workers is None)
    return column(
        text_area("Message", chat.draft, ChatDraft, placeholder="Ask the agent…", key="chat-draft", rows=3),
        row(button("Sending…" if chat.busy else "Send", ChatSend(), disabled=blocked or not chat.draft.strip(),
                   key="chat-send"), stop,
            label("Offline: sending is paused until the connection is back.", font=SMALL, color="danger",
                  key="chat-offline") if not online else None),
        gap=SPACE[2])


def _transcript(chat: Chat) -> Element:
    if chat.thread_id is None:
        worker = running_worker(chat)
        note = (f"Your message starts a new thread on worker {worker.worker_id} ({worker.adapter})."
                if worker else "No worker is running yet; start one on the Workers page.")
        if chat.workers is None:
            note = "Looking for your workers…"
        return box(empty_state("Start a conversation", note, link("Workers", "/workers", key="chat-workers")),
                   key="chat-transcript")
    if not chat.loaded:
        return box(spinner("Loading the conversation"), key="chat-transcript")
    highlighted = lazy_packages.packages.status("pygments") == "ready"
    items = [_message(m, i, highlighted) for i, m in enumerate(chat.messages)]
    if not items:
        items = [paragraph("No messages yet. Say something.", color="muted")]
    # A scroll container: at its end it follows the stream (the reducer's ScrollToEnd); scrolled up, it
    # stays where the person is and "Jump to latest" counts what arrived.
    return box(*items, key=TRANSCRIPT, sem=Semantics("log", name="Conversation"),
               style=Style(gap=SPACE[2], scroll=True, max_height=TRANSCRIPT_MAX_H, shrink=0))


def _jump(chat: Chat) -> Element | None:
    if chat.follow or not chat.unseen or chat.thread_id is None:
        return None
    return row(button(f"Jump to latest ({chat.unseen} new)", ChatJump(), variant="secondary", key="chat-jump"),
               justify="center")


def _access(chat: Chat, access: Access, origin: str) -> Element:
    """No Codex access (ADR 0603): what it takes, instead of a composer whose sends would be refused."""
    allowed = access.allowed_adapters or ("codex",)
    if access.reason == "adapter_not_allowed":
        why = (f"Your {access.workers} worker{'s' if access.workers != 1 else ''} use an adapter this deployment "
               f"does not allow for chat. Allowed here: {', '.join(allowed)}.")
    else:
        why = "Chat runs on a Codex worker linked to your account, and you have none yet."
    steps = column(
        paragraph("1. Create a personal access token with the runtime:write and sync:token abilities on the "
                  "Tokens page.", key="chat-access-step-1"),
        paragraph("2. On the machine that runs the model, start a worker with it:", key="chat-access-step-2"),
        code_block(LINK_COMMAND.format(origin=origin, adapter=allowed[0])),
        paragraph("3. It shows up on the Workers page and this page continues on its own.", key="chat-access-step-3"),
        *[label(ADAPTER_NOTES.get(a, a), font=SMALL, color="muted") for a in allowed],
        gap=SPACE[2])
    return card(paragraph(why, key="chat-access-why"), steps,
                row(link("Tokens", "/account/tokens", key="chat-access-tokens"),
                    link("Workers", "/workers", key="chat-access-workers"), gap=SPACE[3]),
                title="Link a Codex worker to chat")


def view(state: object, path: str, chat: Chat, online: bool, origin: str = "http://127.0.0.1:8000") -> Element:
    del state
    if chat.signed_out:
        return _signed_out(path)
    if chat.access is not None and not chat.access.allowed:
        body = [_transcript(chat)] if chat.thread_id and chat.loaded and chat.messages else []
        main = column(*body, _access(chat, chat.access, origin), gap=SPACE[3], grow=1, shrink=1)
        return row(_threads(chat), main, align="start", gap=SPACE[5], wrap=True)
    problems: list[Element | None] = []
    if chat.thread_id and chat.loaded and chat.worker_status and chat.worker_status != "running":
        problems.append(error_state(f"The worker is {chat.worker_status}",
                                    f"Worker {chat.worker_id} is not running; start it again to continue.",
                                    link("Workers", "/workers", key="chat-worker-link")))
    if chat.notice:
        problems.append(box(label(chat.notice, color="danger"), key="chat-notice", sem=Semantics("alert")))
    main = column(_transcript(chat), _jump(chat), *problems, _composer(chat, online), gap=SPACE[3], grow=1,
                  shrink=1)
    return row(_threads(chat), main, align="start", gap=SPACE[5], wrap=True)
