"""The app's live-event routers: Khala topics whose events go to a page's sub-reducer (registered with
``sync/live.py``'s ``@live.on`` when this module loads; the pages' own topics register in ``core/``)."""

from __future__ import annotations

from dataclasses import replace

from openagents_shell.app.effects import Effect
from openagents_shell.app.state import State
from openagents_shell.core.chat import ChatLive, ChatResync, reduce_chat
from openagents_shell.core.l402 import ROUTES as L402_ROUTES
from openagents_shell.core.l402 import load as load_l402
from openagents_shell.core.workers import AdminLive, AdminResync, reduce_workers
from openagents_shell.sync import live
from openagents_shell.sync.live import LiveEvent, LiveReset


@live.on("admin:runtime")
def _admin_runtime_event(state: State, event: LiveEvent | LiveReset) -> tuple[State, list[Effect]]:
    """``/admin/runtime`` follows every worker's status and every run's creation and finish (ADR 0604)."""
    if state.route.name != "admin.runtime":
        return state, []
    intent = AdminResync() if isinstance(event, LiveReset) else \
        AdminLive(event.watermark, event.body if isinstance(event.body, dict) else {})
    workers, effects = reduce_workers(state.workers, intent, state.path, admin=True,
                                      socket_live=dict(state.sync).get("user") == "live")
    return replace(state, workers=workers), effects


@live.on("worker:{id}:events")
def _worker_event(state: State, event: LiveEvent | LiveReset) -> tuple[State, list[Effect]]:
    """A chat page's worker topic (its ``Listen`` names the snapshot's seq): deltas, turns, worker status."""
    if state.route.name not in ("home", "chat") or event.topic != state.chat.topic:
        return state, []
    intent = ChatResync(event.topic) if isinstance(event, LiveReset) else \
        ChatLive(event.topic, event.watermark, event.body if isinstance(event.body, dict) else {})
    chat, effects = reduce_chat(state.chat, intent, state.path, online=state.online)
    return replace(state, chat=chat), effects


@live.on("user:{id}:notifications")
def _l402_money_event(state: State, event: LiveEvent | LiveReset) -> tuple[State, list[Effect]]:
    """The /l402 pages re-read at once when one of the person's payments or settlements changes (the
    server publishes ``wallet_tx:…`` and ``l402_settlement:…`` documents on this topic); the 5 s re-read
    stays as the fallback for while the socket is down."""
    if state.route.name not in L402_ROUTES or not isinstance(event, LiveEvent) or event.replay:
        return state, []
    if not event.doc_key.startswith(("wallet_tx:", "l402_settlement:")):
        return state, []
    return state, [load_l402(state.route, state.path)]
