"""The runtime pages' intents and answers (the chat on / and /chat/{thread}, /workers, /admin/runtime),
routed to their sub-reducers."""

from __future__ import annotations

from dataclasses import replace

from openagents_shell.app.effects import Effect, Render
from openagents_shell.app.follow import follow
from openagents_shell.app.state import State
from openagents_shell.core.account import Answered
from openagents_shell.core.chat import (
    ChatDraft,
    ChatJump,
    ChatLive,
    ChatPoll,
    ChatResync,
    ChatScrolled,
    ChatSend,
    ChatStop,
    ChatUser,
    reduce_chat,
)
from openagents_shell.core.workers import ConfirmStop, StopWorker, WorkersRefresh, reduce_workers

_CHAT_INTENTS = (ChatDraft, ChatSend, ChatStop, ChatPoll, ChatLive, ChatResync, ChatUser, ChatScrolled, ChatJump)
_WORKERS_INTENTS = (WorkersRefresh, StopWorker, ConfirmStop)


def reduce_runtime(state: State, intent: object) -> tuple[State, list[Effect]] | None:
    """The runtime pages' intents and answers (tags ``chat_*``, ``workers_*``, ``admin_overview``, ``worker_stop:*``;
    the operations console's ``admin_status``/``admin_audit``/``admin_change`` are not theirs)."""
    tag = intent.tag if isinstance(intent, Answered) else ""
    if isinstance(intent, _CHAT_INTENTS) or tag.startswith("chat_"):
        if state.route.name not in ("home", "chat") and not isinstance(intent, ChatLive):
            return state, []
        chat, effects = reduce_chat(state.chat, intent, state.path, online=state.online)
        state, out = follow(replace(state, chat=chat), effects)
        return state, [*out, Render()]
    if isinstance(intent, _WORKERS_INTENTS) or tag.startswith(("workers_", "worker_stop:")) \
            or tag == "admin_overview":
        if state.route.name not in ("workers", "admin.runtime"):
            return state, []
        workers, effects = reduce_workers(state.workers, intent, state.path, admin=state.route.name == "admin.runtime",
                                          socket_live=dict(state.sync).get("user") == "live")
        state, out = follow(replace(state, workers=workers), effects)
        return state, [*out, Render()]
    return None
