"""HTTP routes of the control plane (thin: parse, call a service, shape the response)."""

from openagents_server.control.routes.auth import AuthController, MeController
from openagents_server.control.routes.orgs import OrgsController
from openagents_server.control.routes.profile import ProfileController
from openagents_server.control.routes.sync import SyncTokenController
from openagents_server.control.routes.tokens import TokensController
from openagents_server.control.routes.web import WebAuthController

CONTROL_HANDLERS = [
    AuthController, MeController, TokensController, ProfileController, OrgsController, SyncTokenController,
    WebAuthController,
]

__all__ = ["CONTROL_HANDLERS"]
