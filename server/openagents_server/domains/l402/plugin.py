"""Registers L402 and agent payments: the ``lightning`` kit and its lifespan, the paywall gate
(middleware), ``/api/l402/*``, ``/api/agent-payments/*`` with its aliases ``/api/agents/me/*``
(wallet) and ``/api/payments/*`` (spending), and the lightning-ops control plane. :func:`front` puts
the upstream proxy (paywalls with an ``upstream_url``) in front of the router."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.plugins import InitPluginProtocol
from litestar.types import ASGIApp

from openagents_server.domains.l402.gate import PaywallGate, PaywallMiddleware
from openagents_server.domains.l402.proxy import UpstreamProxy
from openagents_server.domains.l402.routes import DemoController, L402Controller, LightningOpsController
from openagents_server.domains.payments.deps import KitHolder
from openagents_server.domains.payments.routes import (
    L402ClientController,
    PaymentsController,
    WalletController,
)
from openagents_server.routing import API_PREFIX, api_routers


class L402Plugin(InitPluginProtocol):
    def __init__(self) -> None:
        self.holder = KitHolder()
        self.gate = PaywallGate()
        self.holder.on_start.append(self.gate.bind)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(L402Controller, LightningOpsController, DemoController))
        app_config.route_handlers += [
            Router(f"{API_PREFIX}/agent-payments", route_handlers=[WalletController, PaymentsController,
                                                                   L402ClientController]),
            Router(f"{API_PREFIX}/agents/me", route_handlers=[WalletController]),
            Router(f"{API_PREFIX}/payments", route_handlers=[PaymentsController]),
        ]
        app_config.dependencies["lightning"] = self.holder.provide()
        app_config.dependencies["paywall_gate"] = Provide(lambda: self.gate, sync_to_thread=False, use_cache=True)
        app_config.middleware.append(DefineMiddleware(PaywallMiddleware, gate=self.gate))
        app_config.lifespan = [*app_config.lifespan, self.holder.lifespan]
        return app_config


def front(app: Litestar, inner: ASGIApp) -> ASGIApp:
    """``inner`` behind the upstream proxy of the app's paywalls (unchanged if the plugin is absent):
    an upstream's paths are no routes of this platform, so the proxy must answer before routing."""
    plugin = next((p for p in app.plugins.init if isinstance(p, L402Plugin)), None)
    return inner if plugin is None else UpstreamProxy(inner, plugin.gate)
