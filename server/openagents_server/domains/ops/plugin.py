"""Registers the ops domain: the admin console's API and the smoke stream."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.ops.routes import AdminController, SmokeController, TelemetryController
from openagents_server.routing import api_routers


class OpsPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(AdminController, SmokeController, TelemetryController))
        return app_config
