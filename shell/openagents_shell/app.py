"""The shell's core: State, Intents and a pure ``reduce(state, intent) -> (state, effects)``.

Effects are data; ``entry.py`` runs them against the browser. The update rule lives here: a new
build that is ready is applied at the next navigation (a full load instead of ``pushState``) or
when the user accepts the prompt, never in the middle of something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

from openagents_shell.core.account import (
    GATED,
    AccountIntent,
    Answered,
    Call,
    CooldownTick,
    Goto,
    Login,
    LoginCode,
    LoginEmail,
    ProfileForm,
    ProfileName,
    ResendCode,
    SaveProfile,
    SendCode,
    StartCooldown,
    VerifyCode,
    load_profile,
    login_href,
    reduce_login,
    reduce_profile,
    safe_next,
)
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
    signed_in: bool = False  # a hint: the readable CSRF cookie exists (the server still decides)
    login: Login = field(default_factory=Login)
    profile: ProfileForm = field(default_factory=ProfileForm)

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
    | GalleryName | GalleryNotes | AccountIntent


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


Effect = PushState | FullLoad | Render | Call | StartCooldown

_LOGIN_INTENTS = (LoginEmail, LoginCode, SendCode, ResendCode, VerifyCode, CooldownTick)
_PROFILE_INTENTS = (ProfileName, SaveProfile)


def _entered(state: State, href: str) -> tuple[State, list[Effect]]:
    """What a page needs when it is entered: the login's ``next``, the profile's data."""
    if state.route.name == "login":
        query = parse_qs(urlsplit(href).query)
        return replace(state, login=Login(next=safe_next((query.get("next") or ["/"])[0]))), []
    if state.route.name in GATED and not state.signed_in:
        # signed out for sure (no session cookie): to sign-in at once, no request that would answer 401
        return _follow(state, [Goto(login_href(state.path))])
    if state.route.name == "settings.profile":
        return replace(state, profile=ProfileForm()), [load_profile(state.path)]
    return state, []


def _follow(state: State, effects: list[object]) -> tuple[State, list[Effect]]:
    """Turn a sub-reducer's ``Goto`` into a navigation; keep the other effects."""
    out: list[Effect] = []
    for effect in effects:
        if isinstance(effect, Goto):
            state, more = reduce(state, Navigate(effect.href))
            out.extend(more)
        else:
            out.append(effect)  # type: ignore[arg-type]
    return state, out


def initial_state(build_id: str, path: str, *, online: bool = True, update_ready: bool = False,
                  signed_in: bool = False) -> State:
    return State(build_id=build_id, path=normalize(path), route=match(path), online=online,
                 update_ready=update_ready, signed_in=signed_in)


def boot(state: State, href: str) -> tuple[State, list[Effect]]:
    """The effects of the page the document was loaded on (``href`` with its query)."""
    return _entered(state, href)


def reduce(state: State, intent: Intent) -> tuple[State, list[Effect]]:
    if isinstance(intent, Navigate):
        if state.update_ready:
            return state, [FullLoad(intent.href)]
        path = normalize(intent.href)
        if path == state.path and "?" not in intent.href:
            return state, []
        state, effects = _entered(replace(state, path=path, route=match(path)), intent.href)
        return state, [PushState(intent.href), *effects, Render()]
    if isinstance(intent, PopState):
        path = normalize(intent.path)
        state, effects = _entered(replace(state, path=path, route=match(path)), intent.path)
        return state, [*effects, Render()]
    if isinstance(intent, _LOGIN_INTENTS) or (isinstance(intent, Answered) and intent.tag in ("send_code", "verify")):
        login, effects = reduce_login(state.login, intent)
        verified = isinstance(intent, Answered) and intent.tag == "verify" and type(intent.outcome).__name__ == "Ok"
        state, out = _follow(replace(state, login=login, signed_in=state.signed_in or verified), effects)
        return state, [*out, Render()]
    if isinstance(intent, _PROFILE_INTENTS) or (isinstance(intent, Answered) and intent.tag.startswith("profile_")):
        form, effects = reduce_profile(state.profile, intent, state.path)
        signed_out = isinstance(intent, Answered) and type(intent.outcome).__name__ == "SignInNeeded"
        state, out = _follow(replace(state, profile=form, signed_in=state.signed_in and not signed_out), effects)
        return state, [*out, Render()]
    if isinstance(intent, Answered):
        return state, []
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
