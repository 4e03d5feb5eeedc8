"""Registers the orgs domain: memberships, the active org, policy decisions."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.orgs.routes import OrgsController
from openagents_server.routing import api_routers


class OrgsPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(OrgsController, versioned=True))
        return app_config
