"""The app's ``State`` (one frozen value: the route, connectivity, and each page's sub-state), the
/debug ``Gallery``, and :func:`initial_state` for a document load."""

from __future__ import annotations

from dataclasses import dataclass, field

from openagents_shell.core import integrations as integrations_core
from openagents_shell.core import session, social
from openagents_shell.core.account import Login, ProfileForm
from openagents_shell.core.admin import AdminConsole
from openagents_shell.core.autopilots import Autopilots
from openagents_shell.core.chat import Chat
from openagents_shell.core.l402 import L402Page
from openagents_shell.core.live_probe import Probe
from openagents_shell.core.workers import Workers
from openagents_shell.routes import Route, match, normalize
from openagents_shell.sync import live


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
    density: str = "comfortable"  # the select's value


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
    autopilots: Autopilots = field(default_factory=Autopilots)
    l402: L402Page = field(default_factory=L402Page)
    feed: social.Feed = field(default_factory=social.Feed)
    whispers: social.Whispers = field(default_factory=social.Whispers)
    blocked: social.Blocked = field(default_factory=social.Blocked)  # /account/blocked
    reports: social.ReportQueueView = field(default_factory=social.ReportQueueView)  # /admin/reports
    integrations: integrations_core.Integrations = field(default_factory=integrations_core.Integrations)
    #: the signed-in person's id, once ``/api/me`` answered (their notifications topic is live app-wide)
    user_id: str | None = None
    chat: Chat = field(default_factory=Chat)  # / and /chat/{thread}
    workers: Workers = field(default_factory=Workers)  # /workers and /admin
    #: each Khala connection's phase (``sync/live.py``); the header shows :func:`live.overall` of them
    sync: tuple[tuple[str, str], ...] = ()
    probe: Probe = field(default_factory=Probe)
    sync_info: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    me: session.Me = field(default_factory=session.Me)  # from /api/me once signed in
    user_menu: bool = False
    sessions: session.Sessions = field(default_factory=session.Sessions)
    tokens: session.Tokens = field(default_factory=session.Tokens)
    register: session.Register = field(default_factory=session.Register)
    notices: session.Notices = field(default_factory=session.Notices)
    slow: bool = False  # a request has been pending for 150 ms: the header shows a spinner
    me_asked: bool = False  # an /api/me request is on its way (one per signed-in boot, not one per page)
    unreachable: bool = False  # the last request got no answer at all (the offline banner)

    @property
    def sync_phase(self) -> str:
        return live.overall(dict(self.sync), self.online)
    admin: AdminConsole = field(default_factory=AdminConsole)

    @property
    def dark(self) -> bool:
        return self.device_dark if self.gallery.dark is None else self.gallery.dark


def initial_state(build_id: str, path: str, *, online: bool = True, update_ready: bool = False,
                  signed_in: bool = False) -> State:
    return State(build_id=build_id, path=normalize(path), route=match(path), online=online,
                 update_ready=update_ready, signed_in=signed_in)
