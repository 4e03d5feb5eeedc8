"""The shell's core: State, Intents and a pure ``reduce(state, intent) -> (state, effects)``.

Effects are data; ``entry.py`` runs them against the browser. The update rule lives here: a new
build that is ready is applied at the next navigation (a full load instead of ``pushState``) or
when the user accepts the prompt, never in the middle of something else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from openagents_shell.routes import Route, match, normalize


@dataclass(frozen=True)
class Gallery:
    """The component gallery on ``/debug``: a text field, notes, a checkbox, a switch, tabs, a dialog."""

    name: str = ""
    notes: str = ""
    agreed: bool = False
    dark: bool | None = None  # None: follow the device (prefers-color-scheme)
    tab: int = 0
    dialog: bool = False
    menu: bool = False
    toast: str = ""
    rows: int = 0  # /debug?rows=N shows a list of N rows (render benchmarks)


@dataclass(frozen=True)
class State:
    build_id: str
    path: str
    route: Route
    online: bool = True
    update_ready: bool = False
    renderer: str = "canvas2d"
    device_dark: bool = False
    gallery: Gallery = Gallery()

    @property
    def dark(self) -> bool:
        return self.device_dark if self.gallery.dark is None else self.gallery.dark


# ---- intents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Navigate:
    """The user followed an internal link."""

    href: str


@dataclass(frozen=True)
class PopState:
    """Back/forward: the browser already changed the URL."""

    path: str


@dataclass(frozen=True)
class HostChanged:
    """The host reported connectivity or update readiness."""

    online: bool
    update_ready: bool


@dataclass(frozen=True)
class AcceptUpdate:
    """The user pressed "Reload now" on the update prompt."""


@dataclass(frozen=True)
class RendererChanged:
    """The surface started (or fell back to) a backend."""

    name: str


@dataclass(frozen=True)
class SchemeChanged:
    """The device's colour scheme changed (``prefers-color-scheme``)."""

    dark: bool


@dataclass(frozen=True)
class GalleryEdit:
    """A change to the /debug gallery: ``field`` is a :class:`Gallery` field, ``value`` its new value."""

    field: str
    value: object


@dataclass(frozen=True)
class GalleryName:
    value: str


@dataclass(frozen=True)
class GalleryNotes:
    value: str


Intent = Navigate | PopState | HostChanged | AcceptUpdate | RendererChanged | SchemeChanged | GalleryEdit \
    | GalleryName | GalleryNotes


# ---- effects ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PushState:
    href: str


@dataclass(frozen=True)
class FullLoad:
    """Load ``href`` as a document navigation, activating the waiting build."""

    href: str


@dataclass(frozen=True)
class Render:
    pass


Effect = PushState | FullLoad | Render


def initial_state(build_id: str, path: str, *, online: bool = True, update_ready: bool = False) -> State:
    return State(build_id=build_id, path=normalize(path), route=match(path), online=online,
                 update_ready=update_ready)


def reduce(state: State, intent: Intent) -> tuple[State, list[Effect]]:
    if isinstance(intent, Navigate):
        if state.update_ready:
            return state, [FullLoad(intent.href)]
        path = normalize(intent.href)
        if path == state.path:
            return state, []
        return replace(state, path=path, route=match(path)), [PushState(intent.href), Render()]
    if isinstance(intent, PopState):
        path = normalize(intent.path)
        return replace(state, path=path, route=match(path)), [Render()]
    if isinstance(intent, HostChanged):
        new = replace(state, online=intent.online, update_ready=intent.update_ready)
        return new, ([Render()] if new != state else [])
    if isinstance(intent, AcceptUpdate):
        return state, [FullLoad(state.path)]
    if isinstance(intent, RendererChanged):
        return replace(state, renderer=intent.name), [Render()]
    if isinstance(intent, SchemeChanged):
        return replace(state, device_dark=intent.dark), [Render()]
    if isinstance(intent, GalleryName | GalleryNotes | GalleryEdit):
        name, value = ("name", intent.value) if isinstance(intent, GalleryName) else \
            ("notes", intent.value) if isinstance(intent, GalleryNotes) else (intent.field, intent.value)
        if name not in Gallery.__dataclass_fields__:
            raise ValueError(f"no gallery field {name!r}")
        return replace(state, gallery=replace(state.gallery, **{name: value})), [Render()]
    raise TypeError(f"unknown intent {intent!r}")


NAV_LINKS: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/feed", "Feed"),
    ("/chat/welcome", "Chat"),
    ("/workers", "Workers"),
    ("/settings/profile", "Settings"),
    ("/l402", "L402"),
    ("/debug", "Debug"),
)
