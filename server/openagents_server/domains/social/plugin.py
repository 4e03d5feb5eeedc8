"""Registers the social domain: shouts, whispers, blocks and reports."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.social.page_cache import FirstPageCache
from openagents_server.domains.social.routes import (
    BlocksController,
    ReportsAdminController,
    ShoutsController,
    WhispersController,
)
from openagents_server.routing import api_routers


class SocialPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(ShoutsController, WhispersController, BlocksController,
                                                          ReportsAdminController))
        cache = FirstPageCache()  # one per app (per worker process)
        app_config.dependencies["shout_page_cache"] = Provide(lambda: cache, sync_to_thread=False, use_cache=True)
        return app_config
