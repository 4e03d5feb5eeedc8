"""Following a sub-reducer's ``Goto``: it becomes a navigation through the root reducer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openagents_shell.app.intents import Navigate
from openagents_shell.core.account import Goto

if TYPE_CHECKING:
    from openagents_shell.app.effects import Effect
    from openagents_shell.app.state import State


def follow(state: State, effects: list[object]) -> tuple[State, list[Effect]]:
    """Turn a sub-reducer's ``Goto`` into a navigation; keep the other effects."""
    from openagents_shell.app.reducer import reduce  # here: the root reducer imports this module

    out: list[Effect] = []
    for effect in effects:
        if isinstance(effect, Goto):
            state, more = reduce(state, Navigate(effect.href))
            out.extend(more)
        else:
            out.append(effect)  # type: ignore[arg-type]
    return state, out
