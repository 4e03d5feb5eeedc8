"""The feed, whispers, blocked-people, report-queue and integrations pages' intents and answers (``core/social/``,
``core/integrations.py``), routed to their sub-reducers."""

from __future__ import annotations

from dataclasses import replace

from openagents_shell.app.effects import Effect, FullLoad, Render
from openagents_shell.app.follow import follow
from openagents_shell.app.intents import Intent
from openagents_shell.app.state import State
from openagents_shell.core import integrations as integrations_core
from openagents_shell.core import social
from openagents_shell.core.account import Answered


def whispers_route(state: State) -> bool:
    rest = state.route.params.get("rest", "")
    return rest == "whispers" or rest.startswith("whispers/")


def reduce_pages(state: State, intent: Intent) -> tuple[State, list[Effect]] | None:
    """The feed, whispers and integrations pages (``core/social/``, ``core/integrations.py``), or None."""
    tag = intent.tag if isinstance(intent, Answered) else ""
    if tag == "nav_unread":
        if type(intent.outcome).__name__ != "Ok":
            return state, []
        return replace(state, whispers=replace(state.whispers, unread=intent.outcome.data.unread_count)), [Render()]
    if isinstance(intent, social.Tick):
        return replace(state, feed=replace(state.feed, now=intent.now),
                       whispers=replace(state.whispers, now=intent.now)), [Render()]
    if isinstance(intent, social.CatchUp):
        feed, a = social.reduce_feed(state.feed, intent, state.signed_in) if state.route.name == "feed" else (state.feed, [])
        whispers, b = social.reduce_whispers(state.whispers, intent, state.path) \
            if state.route.name == "account" and whispers_route(state) else (state.whispers, [])
        return follow(replace(state, feed=feed, whispers=whispers), [*a, *b])
    if tag.startswith("feed_") or isinstance(intent, social.FEED_INTENTS):
        if state.route.name != "feed" and isinstance(intent, social.FeedScrolled | social.ShowNewShouts):
            return state, []  # a late scroll report from the page the person left
        feed, effects = social.reduce_feed(state.feed, intent, state.signed_in)
        state, out = follow(replace(state, feed=feed), effects)
        return state, [*out, Render()]
    if tag.startswith("whispers_") or isinstance(intent, social.WhisperDraft | social.WhisperTo | social.SendWhisper
                                                         | social.WhispersMore | social.MarkRead
                                                         | social.WhisperChanged):
        whispers, effects = social.reduce_whispers(state.whispers, intent, state.path)
        state, out = follow(replace(state, whispers=whispers), effects)
        return state, [*out, Render()]
    if tag.startswith("reports_") or isinstance(intent, social.REPORTS_INTENTS):
        reports, effects = social.reduce_reports(state.reports, intent, state.path)
        state, out = follow(replace(state, reports=reports), effects)
        return state, [*out, Render()]
    if tag.startswith("blocked_") or isinstance(intent, social.Unblock):
        blocked, effects = social.reduce_blocked(state.blocked, intent, state.path)
        state, out = follow(replace(state, blocked=blocked), effects)
        return state, [*out, Render()]
    if tag.startswith("integrations_") or isinstance(intent, integrations_core.IntegrationsIntent):
        page, effects = integrations_core.reduce_integrations(state.integrations, intent)
        out = [FullLoad(e.href) if isinstance(e, integrations_core.LeaveTo) else e for e in effects]
        state, out = follow(replace(state, integrations=page), out)
        return state, [*out, Render()]
    return None
