"""Which compatibility window a client is judged by: the one of the bundle it is served.

The window's rules (build-id grammar, bounds, protocol and schema) are the contract's
(``openagents_proto.sync.compat.negotiate``), shared by the HTTP gate and Khala's HELLO.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from openagents_proto.sync.compat import CLIENT_BUILD_HEADER, CompatibilityWindow

if TYPE_CHECKING:
    from openagents_server.web.hosting import WebHosting

__all__ = ["CLIENT_BUILD_HEADER", "served_window", "served_window_for"]


#: A bundle's window and the builds deployed here; None with no bundle deployed.
ServedWindow = tuple[CompatibilityWindow, frozenset[str]] | None


async def served_window(hosting: WebHosting, cohort_key: str | None = None) -> ServedWindow:
    """The window of the bundle this client is served (active, or canary for its cohort) and the
    builds deployed here; ``None`` with no bundle deployed. Khala's HELLO is judged by it."""
    from openagents_server.web.rollout import choose_bundle

    rollout = hosting.rollout.fresh() or await hosting.rollout.get(hosting.pool())
    bundle = choose_bundle(rollout, hosting.store, cohort_key).bundle
    if bundle is None:
        return None
    return bundle.manifest.compatibility, frozenset(hosting.store.bundles())


def served_window_for(hosting: WebHosting, session_secret: str) -> Callable[[Mapping[str, str], str], Awaitable[ServedWindow]]:
    """Khala's view of the web layer (``khala.gateway.ServedWindowFor``): the window a WebSocket
    client is judged by, from its upgrade request (the cohort cookie, address and user agent pick
    the canary or the active bundle, as for its HTTP requests)."""
    from openagents_server.web.headers import COHORT_COOKIE
    from openagents_server.web.hosting import read_cookie
    from openagents_server.web.rollout import device_cohort_key

    async def window(headers: Mapping[str, str], client_host: str) -> ServedWindow:
        cookie = read_cookie(headers.get("cookie", "").encode("latin-1"), COHORT_COOKIE)
        cohort = device_cohort_key(cookie, client_host, headers.get("user-agent", ""), session_secret)
        return await served_window(hosting, cohort)

    return window

