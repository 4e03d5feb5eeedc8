"""Which compatibility window a client is judged by: the one of the bundle it is served.

The window's rules (build-id grammar, bounds, protocol and schema) are the contract's
(``openagents_proto.sync.compat.negotiate``), shared by the HTTP gate and Khala's HELLO.
"""

from __future__ import annotations

from typing import Any

from openagents_proto.sync.compat import CLIENT_BUILD_HEADER, CompatibilityWindow

__all__ = ["CLIENT_BUILD_HEADER", "served_window"]


async def served_window(app: Any, cohort_key: str | None = None) -> tuple[CompatibilityWindow, frozenset[str]] | None:
    """The window of the bundle this client is served (active, or canary for its cohort) and the
    builds deployed here; ``None`` with no bundle deployed. Khala's HELLO is judged by it."""
    from openagents_server.web.rollout import choose_bundle

    hosting = app.state.web
    rollout = hosting.rollout.fresh() or await hosting.rollout.get(getattr(app.state, "pool", None))
    bundle = choose_bundle(rollout, hosting.store, cohort_key).bundle
    if bundle is None:
        return None
    return bundle.manifest.compatibility, frozenset(hosting.store.bundles())
