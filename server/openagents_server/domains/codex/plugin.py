"""Registers the Codex worker API."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.codex.routes import (
    CodexAccessController,
    CodexThreadsController,
    CodexWorkersController,
    RuntimeAdminController,
)
from openagents_server.routing import api_routers


class CodexPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(CodexWorkersController, CodexThreadsController, CodexAccessController,
                                                       RuntimeAdminController))
        return app_config
