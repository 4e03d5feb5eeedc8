"""The shell's frame around every page: banners, navigation, the route's title and body."""

from __future__ import annotations

from openagents_shell.app.intents import AcceptUpdate
from openagents_shell.app.nav import NAV_LINKS, SIGNED_IN_NAV_LINKS
from openagents_shell.app.state import State
from openagents_shell.pages import (
    account,
    admin,
    autopilots,
    chat,
    debug,
    integrations,
    l402,
    session,
    social,
    workers,
)
from openagents_shell.sync import live
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
    spinner,
)
from openagents_shell.ui.element import Element, Semantics, Style, box, text
from openagents_shell.ui.theme import RADIUS, SPACE

PAGE_MAX_WIDTH = 960.0


def root_attrs(state: State) -> dict[str, str]:
    """Attributes of the shell root (``#oa-app [data-ready]``) that e2e and the boot tests read."""
    return {"class": "oa-shell oa-mirror", "data-ready": "1", "data-build": state.build_id,
            "data-route": state.route.name, "data-path": state.path, "data-online": "1" if state.online else "0",
            "data-renderer": state.renderer, "data-sync": state.sync_phase, "data-theme": "dark" if state.dark else "light"}


def title(state: State) -> str:
    return f"{state.route.title} · OpenAgents"


def _nav_text(state: State, href: str, text: str) -> str:
    """A link's text; Whispers carries the unread count (it moves live)."""
    if href == "/account/whispers" and state.whispers.unread:
        return f"{text} ({state.whispers.unread} unread)"
    return text


def _sync_status(state: State) -> Element | None:
    """The live connection's state (connecting / live / reconnecting / offline / sign-in needed)."""
    phase = state.sync_phase
    if phase == "idle":
        return None
    tone = "subtle" if phase in ("live", "connecting", "reconnecting") else "danger_bg"
    return box(text(live.LABELS.get(phase, phase), font=SMALL, color="fg"), key="oa-sync",
               sem=Semantics("status", name="Connection"),
               style=Style(padding=pad(1, SPACE[2]), radius=RADIUS["pill"], background=tone))


def _nav(state: State) -> Element:
    shown = NAV_LINKS + (SIGNED_IN_NAV_LINKS if state.signed_in else ())
    links = [link(_nav_text(state, href, text), href, current=href == state.path, key=f"oa-nav-{i}")
             for i, (href, text) in enumerate(shown)]
    busy = spinner("Loading") if state.slow else None  # only after 150 ms: a fast answer never flashes one
    return box(row(*links, busy, _sync_status(state), session.user_menu(state), gap=SPACE[3], wrap=True),
               sem=Semantics("navigation", name="Main"), key="oa-nav",
               style=Style(padding=pad(SPACE[3], SPACE[4]), border="subtle", border_width=0.0,
                           background="bg"))


def _banners(state: State) -> list[Element]:
    out = []
    if state.update_ready:
        out.append(banner("A new version of OpenAgents is ready.", key="oa-update",
                          action=button("Reload now", AcceptUpdate(), variant="secondary", key="oa-reload")))
    if not state.online or state.unreachable:
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
    if state.route.name == "account" and state.route.params.get("rest") == "sessions":
        return session.sessions(state)
    if state.route.name == "account" and state.route.params.get("rest") == "tokens":
        return session.tokens(state)
    if state.route.name == "register":
        return session.register(state)
    if state.route.name == "authenticate":
        return session.authenticate(state)
    if state.route.name == "autopilots":
        return autopilots.list_page(state)
    if state.route.name == "autopilot":
        return autopilots.autopilot_page(state)
    if state.route.name == "settings.autopilot":
        return autopilots.settings_page(state)
    if state.route.name.startswith("l402"):
        return l402.view(state)
    if state.route.name == "feed":
        return social.feed(state)
    if state.route.name == "account" and state.route.params.get("rest") == "blocked":
        return social.blocked(state)
    if state.route.name == "account" and state.route.params.get("rest", "").split("/")[0] == "whispers":
        return social.whispers(state)
    if state.route.name == "settings.integrations":
        return integrations.view(state)
    if state.route.name == "home":
        # The chat is the home page (issue 20); the person's security notifications (issue 19) sit above it.
        return column(session.notifications(state), chat.view(state, state.path, state.chat, state.online),
                      gap=SPACE[4])
    if state.route.name == "chat":
        return chat.view(state, state.path, state.chat, state.online)
    if state.route.name == "workers":
        return workers.view(state.workers, state.path)
    if state.route.name == "admin.runtime":
        return workers.admin_view(state.workers, state.path)
    if state.route.name == "admin" and state.route.params.get("rest") == "reports":
        return social.reports(state)
    if state.route.name == "admin":
        return admin.view(state)
    return None


def view(state: State) -> Element:
    meta = label(f"Build {state.build_id} · route {state.path} ({state.route.name})", font=SMALL, color="muted",
                 key="oa-meta")
    page = column(heading(state.route.title, 1, key="oa-title"), meta, _body(state), gap=SPACE[3],
                  max_width=PAGE_MAX_WIDTH, center=True, padding=pad(SPACE[5], SPACE[4]))
    main = box(page, key="oa-main", sem=Semantics("main"), style=Style(scroll=True, grow=1))
    frame = column(*_banners(state), _nav(state), box(style=Style(height=1, background="subtle")), main, gap=0)
    extra = workers.admin_overlays(state.workers) if state.route.name == "admin.runtime" else []
    return layers(frame, *debug.overlays(state), *integrations.overlays(state), *admin.overlays(state),
                  *session.overlays(state), *social.overlays(state), *social.report_overlays(state), *extra)
