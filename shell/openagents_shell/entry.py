"""The shell's entry point in the browser: ``boot.js`` calls ``start(host)`` once Pyodide is up.

This module is the only one that touches the DOM; it runs the effects ``app.reduce`` returns.
``host`` is boot.js's bridge (build id, connectivity, service-worker updates).
"""

from __future__ import annotations

from typing import Any

from js import document, history, location, window  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

from openagents_shell.app import (
    NAV_LINKS,
    AcceptUpdate,
    Effect,
    FullLoad,
    HostChanged,
    Intent,
    Navigate,
    PopState,
    PushState,
    Render,
    State,
    initial_state,
    reduce,
)

_runtime: Runtime | None = None


def _el(tag: str, text: str | None = None, **attrs: str) -> Any:
    node = document.createElement(tag)
    if text is not None:
        node.textContent = text
    for key, value in attrs.items():
        node.setAttribute(key.rstrip("_").replace("_", "-"), value)
    return node


class Runtime:
    def __init__(self, host: Any) -> None:
        self.host = host
        self.root = document.getElementById("oa-app")
        self.state: State = initial_state(str(host.buildId), str(location.pathname),
                                          online=bool(host.isOnline()), update_ready=bool(host.updateReady()))
        # Keep the proxies alive for the page's lifetime (they are event listeners).
        self._on_click = create_proxy(self._click)
        self._on_pop = create_proxy(lambda _e: self.dispatch(PopState(str(location.pathname))))
        self._on_host = create_proxy(self._host_changed)
        document.addEventListener("click", self._on_click)
        window.addEventListener("popstate", self._on_pop)
        host.subscribe(self._on_host)

    def _host_changed(self) -> None:
        self.dispatch(HostChanged(online=bool(self.host.isOnline()), update_ready=bool(self.host.updateReady())))

    def _click(self, event: Any) -> None:
        if event.defaultPrevented or event.button != 0 or event.metaKey or event.ctrlKey or event.shiftKey \
                or event.altKey:
            return
        target = event.target
        if target.closest("[data-action='accept-update']"):
            event.preventDefault()
            self.dispatch(AcceptUpdate())
            return
        link = target.closest("a[href]")
        if not link or link.origin != location.origin or link.target or link.hasAttribute("download"):
            return
        event.preventDefault()
        self.dispatch(Navigate(str(link.pathname) + str(link.search) + str(link.hash)))

    def dispatch(self, intent: Intent) -> None:
        self.state, effects = reduce(self.state, intent)
        for effect in effects:
            self._run(effect)

    def _run(self, effect: Effect) -> None:
        if isinstance(effect, PushState):
            history.pushState(None, "", effect.href)
        elif isinstance(effect, FullLoad):
            self.host.applyUpdate(effect.href)
        elif isinstance(effect, Render):
            self.render()

    def render(self) -> None:
        s = self.state
        shell = _el("div", class_="oa-shell", data_ready="1", data_build=s.build_id, data_route=s.route.name,
                    data_path=s.path, data_online="1" if s.online else "0")
        if s.update_ready:
            banner = _el("div", class_="oa-banner update", role="status", id="oa-update")
            banner.append(_el("span", "A new version of OpenAgents is ready."))
            banner.append(_el("button", "Reload now", type="button", data_action="accept-update"))
            shell.append(banner)
        if not s.online:
            shell.append(_el("div", f"Offline — showing the cached app (build {s.build_id}). "
                                    "Changes need a connection.",
                             class_="oa-banner offline", role="status", id="oa-offline"))
        nav = _el("nav", aria_label="Main")
        for href, label in NAV_LINKS:
            link = _el("a", label, href=href)
            if href == s.path:
                link.setAttribute("aria-current", "page")
            nav.append(link)
        shell.append(nav)
        main = _el("main")
        main.append(_el("h1", s.route.title, id="oa-title"))
        meta = _el("p", class_="oa-meta")
        meta.append(document.createTextNode("Build "))
        meta.append(_el("code", s.build_id, id="oa-build"))
        meta.append(document.createTextNode(" · route "))
        meta.append(_el("code", s.path, id="oa-route"))
        meta.append(document.createTextNode(f" ({s.route.name})"))
        main.append(meta)
        shell.append(main)
        self.root.replaceChildren(shell)
        document.title = f"{s.route.title} · OpenAgents"


def start(host: Any) -> None:
    """Render the first frame synchronously; later frames follow intents."""
    global _runtime
    _runtime = Runtime(host)
    _runtime.render()
