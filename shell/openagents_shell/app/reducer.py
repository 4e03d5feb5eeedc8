"""The root reducer: ``reduce(state, intent) -> (state, effects)``, and ``boot(state, href)`` for the
page the document was loaded on.

It handles navigation, the host's reports and the /debug gallery itself and hands each page's intents
and answers to its sub-reducer (``core/``; the feed, whispers and integrations through
:mod:`~openagents_shell.app.pages`, the runtime pages through :mod:`~openagents_shell.app.runtime`, live
events through :mod:`~openagents_shell.app.live` and the pages' ``@live.on`` handlers). The update
rule lives here: a new build that is ready is applied at the next navigation (a full load instead of
``pushState``) or when the user accepts the prompt, never in the middle of something else.
"""

from __future__ import annotations

from dataclasses import replace

from openagents_shell.app import live as _live_routers  # noqa: F401  (registers the app's live handlers)
from openagents_shell.app.effects import Effect, FullLoad, PushState, Render
from openagents_shell.app.enter import AUTOPILOT_ROUTES, entered
from openagents_shell.app.follow import follow
from openagents_shell.app.intents import (
    AcceptUpdate,
    GalleryDensity,
    GalleryEdit,
    GalleryName,
    GalleryNotes,
    HostChanged,
    Intent,
    Navigate,
    PopState,
    RendererChanged,
    RequestsSlow,
    SchemeChanged,
)
from openagents_shell.app.me import asked_me, me_answered, needs_me
from openagents_shell.app.pages import reduce_pages
from openagents_shell.app.runtime import reduce_runtime
from openagents_shell.app.state import Gallery, State
from openagents_shell.core import session
from openagents_shell.core.account import (
    Answered,
    Call,
    CooldownTick,
    LoginCode,
    LoginEmail,
    ProfileName,
    ResendCode,
    SaveProfile,
    SendCode,
    VerifyCode,
    login_href,
    reduce_login,
    reduce_profile,
)
from openagents_shell.core.admin import ADMIN_INTENTS, reduce_admin
from openagents_shell.core.autopilots import AutopilotIntent, reduce_autopilots
from openagents_shell.core.chat import ChatUser, reduce_chat
from openagents_shell.core.l402 import EDIT_INTENTS as L402_EDITS
from openagents_shell.core.l402 import POLL_SECONDS, Poll, PollLater, reduce_l402, reduce_paywall_edit
from openagents_shell.core.l402 import ROUTES as L402_ROUTES
from openagents_shell.core.l402 import load as load_l402
from openagents_shell.routes import match, normalize
from openagents_shell.sync import live
from openagents_shell.sync.live import LiveEvent, LiveReset, SyncCommand, SyncInfo, SyncPhase

_LOGIN_INTENTS = (LoginEmail, LoginCode, SendCode, ResendCode, VerifyCode, CooldownTick)
_PROFILE_INTENTS = (ProfileName, SaveProfile)


def boot(state: State, href: str) -> tuple[State, list[Effect]]:
    """The effects of the page the document was loaded on (``href`` with its query)."""
    state, effects = entered(state, href)
    if needs_me(state) and not any(isinstance(e, Call) and e.tag == "me" for e in effects):
        effects = [session.load_me(), *effects]  # type: ignore[list-item]
    return asked_me(state, effects), effects


def reduce(state: State, intent: Intent) -> tuple[State, list[Effect]]:
    if isinstance(intent, Answered):  # no HTTP answer at all → the offline banner, until one comes
        offline = type(intent.outcome).__name__ == "Unavailable" and bool(getattr(intent.outcome, "offline", False))
        if offline != state.unreachable:
            state, effects = _reduce(replace(state, unreachable=offline), intent)
            return state, [*effects, *([] if Render() in effects else [Render()])]
    if isinstance(intent, RequestsSlow):
        return replace(state, slow=intent.slow), ([Render()] if intent.slow != state.slow else [])
    state, effects = _reduce(state, intent)
    return _chat_person(state, effects)


def _chat_person(state: State, effects: list[Effect]) -> tuple[State, list[Effect]]:
    """The chat learns who is signed in once ``/api/me`` answered: drafts are kept per person."""
    if state.route.name not in ("home", "chat") or not state.signed_in or not state.me.id \
            or state.me.id == state.chat.user:
        return state, effects
    chat, more = reduce_chat(state.chat, ChatUser(state.me.id), state.path, online=state.online)
    return replace(state, chat=chat), [*effects, *more]


def _reduce(state: State, intent: Intent) -> tuple[State, list[Effect]]:
    if isinstance(intent, Navigate):
        if state.update_ready:
            return state, [FullLoad(intent.href)]
        path = normalize(intent.href)
        if path == state.path and "?" not in intent.href:
            return state, []
        state, effects = entered(replace(state, path=path, route=match(path)), intent.href)
        return asked_me(state, effects), [PushState(intent.href), *effects, Render()]
    if isinstance(intent, PopState):
        path = normalize(intent.path)
        state, effects = entered(replace(state, path=path, route=match(path)), intent.path)
        return asked_me(state, effects), [*effects, Render()]
    if isinstance(intent, _LOGIN_INTENTS) or (isinstance(intent, Answered) and intent.tag in ("send_code", "verify")):
        login, effects = reduce_login(state.login, intent)
        verified = isinstance(intent, Answered) and intent.tag == "verify" and type(intent.outcome).__name__ == "Ok"
        state, out = follow(replace(state, login=login, signed_in=state.signed_in or verified), effects)
        out = [*([session.load_me()] if verified and needs_me(state) else []), *out]
        return asked_me(state, out), [*out, Render()]
    if isinstance(intent, _PROFILE_INTENTS) or (isinstance(intent, Answered) and intent.tag.startswith("profile_")):
        form, effects = reduce_profile(state.profile, intent, state.path)
        signed_out = isinstance(intent, Answered) and type(intent.outcome).__name__ == "SignInNeeded"
        state, out = follow(replace(state, profile=form, signed_in=state.signed_in and not signed_out), effects)
        return state, [*out, Render()]
    if isinstance(intent, session.INTENTS) or (isinstance(intent, Answered) and intent.tag in session.TAGS):
        state, effects = follow(*session.reduce_session(state, intent, login_href))
        if isinstance(intent, Answered) and intent.tag == "me":
            state, more = me_answered(state, intent)
            effects = [*effects, *more]
        return asked_me(state, effects), [*effects, Render()]
    if isinstance(intent, AutopilotIntent) or (isinstance(intent, Answered) and intent.tag.startswith("ap_")):
        if state.route.name not in AUTOPILOT_ROUTES:
            return state, []  # a late poll or answer for a page the person left
        pages, effects = reduce_autopilots(state.autopilots, intent, state.path)
        signed_out = isinstance(intent, Answered) and type(intent.outcome).__name__ == "SignInNeeded"
        state, out = follow(replace(state, autopilots=pages, signed_in=state.signed_in and not signed_out), effects)
        return state, [*out, Render()]
    if isinstance(intent, Answered) and intent.tag == "l402_load":
        page = reduce_l402(state.l402, intent)
        if page.signed_out:
            return replace(state, l402=page, signed_in=False), [Render()]
        if page.polling:  # a re-read is already scheduled: one chain per open page
            return replace(state, l402=page), [Render()]
        return replace(state, l402=replace(page, polling=True)), [Render(), PollLater(POLL_SECONDS, state.path)]
    if isinstance(intent, L402_EDITS) or (isinstance(intent, Answered) and intent.tag.startswith("l402_paywall_")):
        page, effects = reduce_paywall_edit(state.l402, intent, state.path)
        return replace(state, l402=page), [*effects, Render()]
    if isinstance(intent, Poll):
        if state.route.name not in L402_ROUTES:
            return state, []
        return replace(state, l402=replace(state.l402, polling=False)), [load_l402(state.route, state.path)]
    paged = reduce_pages(state, intent)
    if paged is not None:
        return paged
    runtime = reduce_runtime(state, intent)
    if runtime is not None:
        return runtime
    if isinstance(intent, ADMIN_INTENTS) or (isinstance(intent, Answered) and intent.tag.startswith("admin_")):
        admin, effects = reduce_admin(state.admin, intent, state.path)
        state, out = follow(replace(state, admin=admin), effects)
        return state, [*out, Render()]
    if isinstance(intent, Answered):
        return state, []
    if isinstance(intent, LiveEvent | LiveReset):
        new, effects = follow(*live.dispatch(state, intent))
        return new, [*effects, *([Render()] if new != state else [])]
    if isinstance(intent, SyncInfo):
        return replace(state, sync_info=intent.info), ([Render()] if state.route.name == "debug" else [])
    if isinstance(intent, SyncCommand):  # a button's intent is its own effect
        return state, [intent]
    if isinstance(intent, SyncPhase):
        phases = dict(state.sync)
        phases[intent.channel] = intent.phase
        new = replace(state, sync=tuple(sorted(phases.items())),
                      unreachable=state.unreachable and intent.phase != "live")
        if intent.channel == "user" and intent.phase == "sign_in_needed" and state.signed_in:
            # the session ended elsewhere (revoked, expired): to sign-in, and back here after it
            new, forget = session.signed_out(new)
            if state.route.name != "login":
                new, effects = reduce(new, Navigate(login_href(state.path)))
                return new, [*forget, *effects]
            return new, [*forget, Render()]
        return new, [Render()]
    if isinstance(intent, HostChanged):
        new = replace(state, online=intent.online, update_ready=intent.update_ready,
                      unreachable=state.unreachable and not intent.online)  # an answer came: not offline
        return new, ([Render()] if new != state else [])
    if isinstance(intent, AcceptUpdate):
        return state, [FullLoad(state.path)]
    if isinstance(intent, RendererChanged):
        return replace(state, renderer=intent.name), [Render()]
    if isinstance(intent, SchemeChanged):
        return replace(state, device_dark=intent.dark), [Render()]
    if isinstance(intent, GalleryName | GalleryNotes | GalleryDensity | GalleryEdit):
        name, value = ("name", intent.value) if isinstance(intent, GalleryName) else \
            ("notes", intent.value) if isinstance(intent, GalleryNotes) else \
            ("density", intent.value) if isinstance(intent, GalleryDensity) else (intent.field, intent.value)
        if name not in Gallery.__dataclass_fields__:
            raise ValueError(f"no gallery field {name!r}")
        return replace(state, gallery=replace(state.gallery, **{name: value})), [Render()]
    raise TypeError(f"unknown intent {intent!r}")
