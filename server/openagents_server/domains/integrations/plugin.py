"""Registers the integrations domain: settings API, web entries, the Resend webhook, the internal fetch."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.integrations.routes._deps import dependencies
from openagents_server.domains.integrations.routes.api import IntegrationsController
from openagents_server.domains.integrations.routes.internal import InternalSecretsController
from openagents_server.domains.integrations.routes.web import IntegrationsWebController
from openagents_server.domains.integrations.routes.webhooks import ResendWebhookController
from openagents_server.routing import api_routers


class IntegrationsPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(api_routers(IntegrationsController, ResendWebhookController,
                                                     InternalSecretsController))
        app_config.route_handlers.append(IntegrationsWebController)
        app_config.dependencies.update(dependencies())
        return app_config
