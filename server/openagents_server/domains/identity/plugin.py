"""Registers the identity domain: sign-in, sessions, profile, sync tokens and the no-JS forms."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.identity.routes.auth import AuthController, MeController
from openagents_server.domains.identity.routes.forms import WebAuthController
from openagents_server.domains.identity.routes.profile import ProfileController
from openagents_server.domains.identity.routes.sync import (
    LegacyKhalaTokenController,
    PublicSyncTokenController,
    SyncTokenController,
)
from openagents_server.routing import api_routers


class IdentityPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(AuthController, MeController, SyncTokenController, versioned=True))
        app_config.route_handlers.extend(api_routers(ProfileController, LegacyKhalaTokenController, PublicSyncTokenController))
        app_config.route_handlers.append(WebAuthController)
        return app_config
