"""Registers the tokens domain: personal access tokens."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.tokens.routes import TokensController
from openagents_server.routing import api_routers


class TokensPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(TokensController))
        return app_config
