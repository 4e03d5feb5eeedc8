"""The shell's pure core under CPython: routes and the update-at-next-navigation rule."""

from __future__ import annotations

import pytest
from openagents_shell.app import (
    AcceptUpdate,
    FullLoad,
    HostChanged,
    Navigate,
    PopState,
    PushState,
    Render,
    initial_state,
    reduce,
)
from openagents_shell.routes import match
from openagents_shell.sync.live import WatchSync


@pytest.mark.parametrize("path, name, params", [
    ("/", "home", {}),
    ("/feed", "feed", {}),
    ("/feed/", "feed", {}),
    ("/chat/t-1", "chat", {"thread": "t-1"}),
    ("/settings/profile?tab=x#top", "settings.profile", {}),
    ("/l402/transactions/abc", "l402.transactions", {"rest": "abc"}),
    ("/onboarding", "onboarding", {}),
    ("/account/security/keys", "account", {"rest": "security/keys"}),
    ("/admin", "admin", {}),
    ("/debug", "debug", {}),
    ("/chat", "not_found", {}),
    ("/nope/deep", "not_found", {}),
])
def test_route_matching(path: str, name: str, params: dict[str, str]) -> None:
    route = match(path)
    assert route.name == name
    assert route.params == params


def test_navigation_pushes_state_and_renders() -> None:
    state = initial_state("b1", "/")
    state, effects = reduce(state, Navigate("/debug"))  # a page that loads no data
    assert state.path == "/debug" and state.route.name == "debug"
    assert effects == [PushState("/debug"), WatchSync("/debug"), Render()]  # /debug shows the sync state


def test_navigation_to_the_current_page_does_nothing() -> None:
    state = initial_state("b1", "/feed")
    assert reduce(state, Navigate("/feed"))[1] == []


def test_a_ready_update_turns_the_next_navigation_into_a_full_load() -> None:
    state = initial_state("b1", "/feed")
    state, effects = reduce(state, HostChanged(online=True, update_ready=True))
    assert effects == [Render()]  # the prompt appears; nothing reloads mid-action
    state, effects = reduce(state, Navigate("/workers"))
    assert effects == [FullLoad("/workers")]
    assert state.path == "/feed"  # the page stays as is until the new document loads


def test_accepting_the_prompt_reloads_the_current_page() -> None:
    state = initial_state("b1", "/settings/profile", update_ready=True)
    assert reduce(state, AcceptUpdate())[1] == [FullLoad("/settings/profile")]


def test_back_and_forward_follow_the_url() -> None:
    state = initial_state("b1", "/feed")
    state, effects = reduce(state, PopState("/chat/abc"))
    assert state.route.name == "chat" and state.route.params == {"thread": "abc"}
    assert effects == [Render()]


def test_going_offline_rerenders_once() -> None:
    state = initial_state("b1", "/")
    state, effects = reduce(state, HostChanged(online=False, update_ready=False))
    assert not state.online and effects == [Render()]
    assert reduce(state, HostChanged(online=False, update_ready=False))[1] == []


def test_shell_never_imports_the_server() -> None:
    import ast
    from pathlib import Path

    import openagents_shell

    for path in Path(openagents_shell.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith("openagents_server") for n in names), path
