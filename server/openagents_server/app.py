"""The application factory: wires settings, storage, middleware, errors and the routers."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components
from litestar.types import ControllerRouterHandler

from openagents_server import __version__, dependency_resolution
from openagents_server.domains import DOMAIN_PLUGINS
from openagents_server.domains.l402.plugin import front as l402_front
from openagents_server.domains.ops.controls import RoutingGate
from openagents_server.errors import EXCEPTION_HANDLERS
from openagents_server.health import HealthController
from openagents_server.heap import frozen_startup_heap
from openagents_server.http_guard import HttpGuard
from openagents_server.khala.gateway import KhalaSocketApp
from openagents_server.khala.http import KhalaController
from openagents_server.metrics.exposition import MetricsController
from openagents_server.metrics.http import HttpMetrics
from openagents_server.observability import RequestIdMiddleware, configure_logging
from openagents_server.openapi import SECURITY_SCHEMES
from openagents_server.openapi_requests import finalize
from openagents_server.routing import complete_options_allow
from openagents_server.services import AppServices
from openagents_server.settings import Settings, load_settings
from openagents_server.web.compat import served_window_for
from openagents_server.web.controller import WebClientController
from openagents_server.web.hosting import WebHosting
from openagents_server.worker_signals import hold_early_stop_signals, redeliver_early_stop_signal


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_document(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    # Request schemas restated from msgspec, NUL-free (openapi_requests.py); built once per app.
    document = request.app.state.get("openapi_document")
    if document is None:
        document = request.app.state["openapi_document"] = finalize(request.app, request.app.openapi_schema.to_schema())
    return Response(document, media_type="application/vnd.oai.openapi+json")


def create_app(settings: Settings, extra_handlers: list[ControllerRouterHandler] | None = None) -> Litestar:
    """Build the Litestar app; the database DSN must already be resolved (see ``serve``)."""
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url; `openagents serve` resolves it")
    configure_logging(settings.log_level, settings.log_format)
    dependency_resolution.install()

    services = AppServices(settings)

    handlers: list[ControllerRouterHandler] = [HealthController, openapi_document, KhalaController, WebClientController,
                                               MetricsController]
    handlers += extra_handlers or []
    app = Litestar(
        route_handlers=handlers,
        plugins=[plugin() for plugin in DOMAIN_PLUGINS],
        lifespan=[services.lifespan, frozen_startup_heap],
        dependencies=services.dependencies(),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="OpenAgents",
            version=__version__,
            path="/api/docs",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(security_schemes=SECURITY_SCHEMES),
        ),
        debug=False,
        # Logs are structlog's (observability.py). Litestar's default config would also install a
        # stdlib handler bound to whatever sys.stderr was at start (in tests: a closed capture).
        logging_config=None,
    )
    complete_options_allow(app)
    # Outermost, so 404/405 raised by the router (outside handler middleware) carry the id too.
    # Inside it, shell delivery (assets, index.html fallback, build id, client gate): see web/hosting.py.
    hosting = services.web_hosting = WebHosting(app.asgi_handler, app, settings, lambda: services.pool_if_open)
    # Between the two: NUL refusal, HEAD as GET, security headers (http_guard.py).
    # Routing controls (maintenance, disabled routes) answer 503 before the router: domains/ops/controls.py.
    # Paywalls that front an upstream service answer before the router (domains/l402/proxy.py).
    # With metrics on, the request-id layer also reports each response's route, status and latency.
    app.asgi_handler = RequestIdMiddleware(
        HttpGuard(RoutingGate(l402_front(app, hosting), lambda: services.pool_if_open), settings),
        HttpMetrics() if settings.metrics_enabled else None)
    # Khala's WebSocket (/sync/socket) is served in front of the router, without per-frame wrappers.
    app.asgi_handler = KhalaSocketApp(services.khala, app.asgi_handler,
                                      served_window_for(hosting, settings.session_secret))
    return app


def create_app_from_env() -> Litestar:
    """Entry point for granian (``--factory``): settings come from the environment.

    Runs in each granian worker before granian installs the worker's signal handlers: a stop signal
    arriving meanwhile is held and raised again at startup (worker_signals.py).
    """
    hold_early_stop_signals()
    app = create_app(load_settings())
    app.on_startup.insert(0, redeliver_early_stop_signal)
    return app
