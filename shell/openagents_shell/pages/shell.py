"""The shell's frame around every page: banners, navigation, the route's title and body."""

from __future__ import annotations

from openagents_shell.app import NAV_LINKS, AcceptUpdate, State
from openagents_shell.pages import account, debug
from openagents_shell.ui.components import (
    SMALL,
    banner,
    button,
    column,
    empty_state,
    heading,
    label,
    layers,
    link,
    pad,
    row,
)
from openagents_shell.ui.element import Element, Semantics, Style, box
from openagents_shell.ui.theme import SPACE

PAGE_MAX_WIDTH = 960.0


def root_attrs(state: State) -> dict[str, str]:
    """Attributes of the shell root (``#oa-app [data-ready]``) that e2e and the boot tests read."""
    return {"class": "oa-shell oa-mirror", "data-ready": "1", "data-build": state.build_id,
            "data-route": state.route.name, "data-path": state.path, "data-online": "1" if state.online else "0",
            "data-renderer": state.renderer, "data-theme": "dark" if state.dark else "light"}


def title(state: State) -> str:
    return f"{state.route.title} · OpenAgents"


def _nav(state: State) -> Element:
    return box(row(*(link(text, href, current=href == state.path, key=f"oa-nav-{i}")
                     for i, (href, text) in enumerate(NAV_LINKS)), gap=SPACE[3], wrap=True),
               sem=Semantics("navigation", name="Main"), key="oa-nav",
               style=Style(padding=pad(SPACE[3], SPACE[4]), border="subtle", border_width=0.0,
                           background="bg"))


def _banners(state: State) -> list[Element]:
    out = []
    if state.update_ready:
        out.append(banner("A new version of OpenAgents is ready.", key="oa-update",
                          action=button("Reload now", AcceptUpdate(), variant="secondary", key="oa-reload")))
    if not state.online:
        out.append(banner(f"Offline — showing the cached app (build {state.build_id}). Changes need a connection.",
                          key="oa-offline", tone="danger_bg"))
    return out


def _body(state: State) -> Element | None:
    if state.route.name == "not_found":
        return empty_state("Nothing here", f"There is no page at {state.path}.", link("Go to Home", "/"))
    if state.route.name == "debug":
        return debug.view(state)
    if state.route.name == "login":
        return account.login(state)
    if state.route.name == "settings.profile":
        return account.profile(state)
    return None


def view(state: State) -> Element:
    meta = label(f"Build {state.build_id} · route {state.path} ({state.route.name})", font=SMALL, color="muted",
                 key="oa-meta")
    page = column(heading(state.route.title, 1, key="oa-title"), meta, _body(state), gap=SPACE[3],
                  max_width=PAGE_MAX_WIDTH, center=True, padding=pad(SPACE[5], SPACE[4]))
    main = box(page, key="oa-main", sem=Semantics("main"), style=Style(scroll=True, grow=1))
    frame = column(*_banners(state), _nav(state), box(style=Style(height=1, background="subtle")), main, gap=0)
    return layers(frame, *debug.overlays(state))
