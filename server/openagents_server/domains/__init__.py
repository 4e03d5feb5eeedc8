"""Product domains. Each is a package with ``routes`` (thin, typed controllers), ``service`` (rules and
transactions; raises :class:`openagents_server.errors.DomainError`), ``repository`` (SQL only) and a
``plugin`` that registers it. A domain imports the platform and other domains' services, never their
repositories (``tests/foundation/test_import_direction.py``). See ``docs/CONTRIBUTING.md``."""

from openagents_server.domains.autopilots.plugin import AutopilotsPlugin
from openagents_server.domains.chat.plugin import ChatPlugin
from openagents_server.domains.codex.plugin import CodexPlugin
from openagents_server.domains.identity.plugin import IdentityPlugin
from openagents_server.domains.integrations.plugin import IntegrationsPlugin
from openagents_server.domains.l402.plugin import L402Plugin
from openagents_server.domains.ops.plugin import OpsPlugin
from openagents_server.domains.orgs.plugin import OrgsPlugin
from openagents_server.domains.social.plugin import SocialPlugin
from openagents_server.domains.tokens.plugin import TokensPlugin

#: Every domain, in registration order.
DOMAIN_PLUGINS = (IdentityPlugin, OrgsPlugin, TokensPlugin, SocialPlugin, CodexPlugin, ChatPlugin,
                  IntegrationsPlugin, AutopilotsPlugin, L402Plugin, OpsPlugin)

__all__ = ["DOMAIN_PLUGINS"]
