"""Shell delivery: hosting of content-hashed bundles, the single-shell fallback, rollout state
(active / canary / kill switch) shared through PostgreSQL, and the client compatibility gate."""

from openagents_server.web.controller import WebClientController
from openagents_server.web.hosting import WebHosting

ROUTE_HANDLERS = [WebClientController]

__all__ = ["ROUTE_HANDLERS", "WebHosting"]
