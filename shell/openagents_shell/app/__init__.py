"""The shell's core: State, Intents and a pure ``reduce(state, intent) -> (state, effects)``.

Effects are data; ``entry.py`` runs them against the browser. The update rule lives in
:mod:`~openagents_shell.app.reducer`: a new build that is ready is applied at the next navigation (a full
load instead of ``pushState``) or when the user accepts the prompt, never in the middle of something else.

| module | job |
|---|---|
| ``state.py`` | ``State``, the /debug ``Gallery``, ``initial_state`` |
| ``intents.py`` | the app's own intents and the ``Intent`` union |
| ``effects.py`` | the app's own effects and the ``Effect`` union |
| ``reducer.py`` | the root reducer ``reduce`` and ``boot`` |
| ``enter.py`` | what entering a page starts (its sub-state, requests, listens) |
| ``me.py`` | the one ``/api/me`` request the app shares |
| ``follow.py`` | a sub-reducer's ``Goto`` becomes a navigation |
| ``pages.py`` | the feed, whispers and integrations pages' sub-reducers |
| ``runtime.py`` | the chat, /workers and /admin/runtime sub-reducers |
| ``live.py`` | the app's live-event routers (``@live.on``) |
| ``nav.py`` | the header's navigation links |

The names other modules import are re-exported here.
"""

from __future__ import annotations

# First, in this order: the pages' live handlers register as their modules load, and ``sync/live.py``
# hands an event to its topic's handlers in registration order (``app/live.py``'s come last).
# isort: off
from openagents_shell.core import autopilots as _autopilots  # noqa: F401
from openagents_shell.core import integrations as _integrations  # noqa: F401
from openagents_shell.core import session as _session  # noqa: F401
from openagents_shell.core import social as _social  # noqa: F401
from openagents_shell.core import live_probe as _live_probe  # noqa: F401
# isort: on

from openagents_shell.app.effects import Effect, FullLoad, PushState, Render
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
from openagents_shell.app.nav import NAV_LINKS, SIGNED_IN_NAV_LINKS
from openagents_shell.app.reducer import boot, reduce
from openagents_shell.app.state import Gallery, State, initial_state

__all__ = [
    "NAV_LINKS",
    "SIGNED_IN_NAV_LINKS",
    "AcceptUpdate",
    "Effect",
    "FullLoad",
    "Gallery",
    "GalleryDensity",
    "GalleryEdit",
    "GalleryName",
    "GalleryNotes",
    "HostChanged",
    "Intent",
    "Navigate",
    "PopState",
    "PushState",
    "Render",
    "RendererChanged",
    "RequestsSlow",
    "SchemeChanged",
    "State",
    "boot",
    "initial_state",
    "reduce",
]
