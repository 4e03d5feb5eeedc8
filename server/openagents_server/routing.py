"""Where a domain's controllers are mounted: ``/api`` and, for contract-versioned routes, ``/api/v1``.

The ``/v1`` aliases come from mounting the same controllers twice, never from repeating paths in
decorators, so an alias cannot drift from its target.
"""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler

API_PREFIX = "/api"
API_V1_PREFIX = "/api/v1"


def api_routers(*handlers: ControllerRouterHandler, versioned: bool = False) -> list[Router]:
    """Routers mounting ``handlers`` under ``/api`` (and ``/api/v1`` when ``versioned``)."""
    routers = [Router(API_PREFIX, route_handlers=list(handlers))]
    if versioned:
        routers.append(Router(API_V1_PREFIX, route_handlers=list(handlers)))
    return routers


def complete_options_allow(app: Litestar) -> None:
    """Make each path's automatic ``OPTIONS`` answer list every method of the path (issue 18).

    Litestar creates the ``OPTIONS`` handler with the first route registered at a path; when more
    handlers join that path later (a controller's methods arrive in groups), the new route keeps the
    old handler, whose ``Allow`` still names only the first group's methods (``GET, OPTIONS`` on
    ``/api/settings/profile`` instead of ``DELETE, GET, OPTIONS, PATCH``). Point each generated
    handler at the final route it serves.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            fn = getattr(handler.fn, "__func__", handler.fn)
            code = getattr(fn, "__code__", None)
            if code is None or fn.__name__ != "options_handler" or code.co_freevars != ("self",):
                continue
            fn.__closure__[0].cell_contents = route  # type: ignore[index]
