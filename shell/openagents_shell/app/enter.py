"""Entering a page (a navigation, back/forward, or the document load): the sub-state it starts with and
the requests, listens and timers it needs, or a redirect to sign-in for a gated page when signed out."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

from openagents_shell.app.effects import Effect
from openagents_shell.app.follow import follow
from openagents_shell.app.me import with_me
from openagents_shell.app.pages import whispers_route
from openagents_shell.app.state import State
from openagents_shell.core import autopilots as autopilot_pages
from openagents_shell.core import integrations as integrations_core
from openagents_shell.core import session, social
from openagents_shell.core.account import GATED, Goto, Login, ProfileForm, load_profile, login_href, safe_next
from openagents_shell.core.admin import entered as admin_entered
from openagents_shell.core.chat import enter_home, enter_thread
from openagents_shell.core.l402 import ROUTES as L402_ROUTES
from openagents_shell.core.l402 import L402Page
from openagents_shell.core.l402 import load as load_l402
from openagents_shell.core.live_probe import enter as enter_probe
from openagents_shell.core.session import Register
from openagents_shell.core.workers import enter as enter_workers
from openagents_shell.sync.live import WatchSync

AUTOPILOT_ROUTES = frozenset({"autopilots", "autopilot", "settings.autopilot"})


def entered(state: State, href: str) -> tuple[State, list[Effect]]:
    """What a page needs when it is entered: the login's ``next``, the profile's data."""
    state = replace(state, user_menu=False)
    if state.route.name in ("login", "authenticate"):
        query = parse_qs(urlsplit(href).query)
        step = "code" if state.route.name == "authenticate" else "email"
        return replace(state, login=Login(next=safe_next((query.get("next") or ["/"])[0]), step=step)), []
    if state.route.name in L402_ROUTES and not state.signed_in:
        # signed out for sure: no request that would answer 401; the page offers to sign in (no redirect,
        # so a deep link stays on its route)
        return replace(state, l402=L402Page(loaded=True, signed_out=True)), []
    if state.route.name in GATED and not state.signed_in:
        # signed out for sure (no session cookie): to sign-in at once, no request that would answer 401
        return follow(state, [Goto(login_href(state.path))])
    if state.route.name == "settings.profile":
        return replace(state, profile=ProfileForm()), [load_profile(state.path)]
    if state.route.name in AUTOPILOT_ROUTES:
        if state.route.name == "autopilots":
            pages, effects = autopilot_pages.enter_list(state.path)
        elif state.route.name == "autopilot":
            pages, effects = autopilot_pages.enter_autopilot(state.route.params["autopilot"], state.path)
        else:
            pages, effects = autopilot_pages.enter_settings(state.path)
        return replace(state, autopilots=pages), effects
    if state.route.name in L402_ROUTES:
        return replace(state, l402=L402Page()), [load_l402(state.route, state.path)]
    if state.route.name == "feed":
        feed, effects = social.enter_feed(state.feed, href, signed_in=state.signed_in)
        return replace(state, feed=feed), with_me(state, effects)
    if state.route.name == "account" and whispers_route(state):
        whispers, effects = social.enter_whispers(state.whispers, state.path, state.route.params.get("rest", ""))
        return replace(state, whispers=replace(whispers, unread=state.whispers.unread)), with_me(state, effects)
    if state.route.name == "account" and state.route.params.get("rest") == "blocked":
        blocked, effects = social.enter_blocked(state.path)
        return replace(state, blocked=blocked), effects
    if state.route.name == "settings.integrations":
        page, effects = integrations_core.enter(state.integrations, href)
        return replace(state, integrations=page), with_me(state, effects)
    if state.route.name == "account":
        return session.enter_account(state)
    if state.route.name == "register":
        return replace(state, register=Register()), []
    if state.route.name == "debug":
        probe, effects = enter_probe(href, state.path)
        return replace(state, probe=probe), [*effects, WatchSync(state.path)]
    return _entered_runtime(state)


def _entered_runtime(state: State) -> tuple[State, list[Effect]]:
    """The chat (/, /chat/{thread}), /workers and /admin: their data, when signed in (else a sign-in card)."""
    name = state.route.name
    if name == "home":
        chat, effects = enter_home(state.chat, state.path, state.signed_in, state.me.id)
        return replace(state, chat=chat), effects
    if name == "chat":
        chat, effects = enter_thread(state.chat, state.path, state.route.params["thread"], state.signed_in,
                                     state.me.id)
        return replace(state, chat=chat), effects
    if name in ("workers", "admin.runtime"):
        workers, effects = enter_workers(state.path, state.signed_in, admin=name == "admin.runtime")
        return replace(state, workers=workers), effects
    if state.route.name == "admin":
        if not state.signed_in:
            return follow(state, [Goto(login_href(state.path))])
        if state.route.params.get("rest") == "reports":
            reports, effects = social.enter_reports()
            return replace(state, reports=reports), effects
        admin, effects = admin_entered()
        return replace(state, admin=admin), effects
    return state, []
