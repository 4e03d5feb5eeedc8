"""The one ``/api/me`` request the whole app shares (the header, the social pages and the person's live
notifications all need to know who is signed in): when to ask, that it was asked, what its answer sets."""

from __future__ import annotations

from dataclasses import replace

from openagents_shell.app.effects import Effect
from openagents_shell.app.state import State
from openagents_shell.core import session, social
from openagents_shell.core.account import Answered, Call


def with_me(state: State, effects: list[Effect]) -> list[Effect]:
    """Pages that show the person's live notifications need their id first: one ``/api/me`` for the
    whole app (the boot's, or this page's if none is on its way and none has answered)."""
    return [*effects, session.load_me()] if needs_me(state) else effects


def needs_me(state: State) -> bool:
    return state.signed_in and state.user_id is None and not state.me_asked


def asked_me(state: State, effects: list[Effect]) -> State:
    asked = any(isinstance(e, Call) and e.tag == "me" for e in effects)
    return replace(state, me_asked=True) if asked else state


def me_answered(state: State, intent: Answered) -> tuple[State, list[Effect]]:
    """``/api/me`` answered (the one request both the header and the social pages read)."""
    state = replace(state, me_asked=False)
    if type(intent.outcome).__name__ != "Ok" or state.user_id is not None or not state.signed_in:
        return state, []
    return replace(state, user_id=intent.outcome.data.user.id), [social.unread_call()]
