"""Registers autopilots, the tools API and the skill registry, and this app's run executor."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol

from openagents_server.domains.autopilots.executor import Runner
from openagents_server.domains.autopilots.routes import AutopilotProfileController, AutopilotsController
from openagents_server.domains.skills.routes import SkillsController
from openagents_server.domains.tools.routes import ToolsController
from openagents_server.routing import api_routers


class AutopilotsPlugin(InitPluginProtocol):
    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        runner = Runner()  # one per app: its run tasks end with the app

        def provide_runner() -> Runner:
            return runner

        app_config.route_handlers.extend(api_routers(AutopilotsController, AutopilotProfileController,
                                                     ToolsController, SkillsController))
        app_config.dependencies["autopilot_runner"] = Provide(provide_runner, sync_to_thread=False)
        app_config.on_shutdown.append(runner.close)
        # After the platform's lifespan (which opens the pool): sweep abandoned runs, renew leases.
        app_config.lifespan = [*app_config.lifespan, runner.lifespan]
        return app_config
