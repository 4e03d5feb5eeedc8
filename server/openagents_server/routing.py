"""Where a domain's controllers are mounted: ``/api`` and, for contract-versioned routes, ``/api/v1``.

The ``/v1`` aliases come from mounting the same controllers twice, never from repeating paths in
decorators, so an alias cannot drift from its target.
"""

from __future__ import annotations

from litestar import Router
from litestar.types import ControllerRouterHandler

API_PREFIX = "/api"
API_V1_PREFIX = "/api/v1"


def api_routers(*handlers: ControllerRouterHandler, versioned: bool = False) -> list[Router]:
    """Routers mounting ``handlers`` under ``/api`` (and ``/api/v1`` when ``versioned``)."""
    routers = [Router(API_PREFIX, route_handlers=list(handlers))]
    if versioned:
        routers.append(Router(API_V1_PREFIX, route_handlers=list(handlers)))
    return routers
