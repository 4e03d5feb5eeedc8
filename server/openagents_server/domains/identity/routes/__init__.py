"""HTTP routes of the control plane (thin: parse, call a service, shape the response)."""

from openagents_server.domains.identity.routes.auth import AuthController, MeController
from openagents_server.domains.identity.routes.forms import WebAuthController
from openagents_server.domains.identity.routes.profile import ProfileController
from openagents_server.domains.identity.routes.sync import SyncTokenController
from openagents_server.domains.orgs.routes import OrgsController
from openagents_server.domains.tokens.routes import TokensController

CONTROL_HANDLERS = [
    AuthController, MeController, TokensController, ProfileController, OrgsController, SyncTokenController,
    WebAuthController,
]

__all__ = ["CONTROL_HANDLERS"]
