"""Registers the legacy chat lane."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.chat.routes import LegacyChatController
from openagents_server.routing import api_routers


class ChatPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(LegacyChatController))
        return app_config
