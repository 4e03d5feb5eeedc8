"""Pick the provider from settings: WorkOS when configured, the local provider otherwise."""

from __future__ import annotations

from openagents_server.domains.identity.providers.base import IdentityProvider
from openagents_server.settings import Settings


def provider_name(settings: Settings) -> str:
    """``workos`` when asked for or when WorkOS credentials are present; else ``local``."""
    if settings.auth_provider == "workos" or (settings.workos_api_key and settings.workos_client_id):
        return "workos"
    return "local"


def build_provider(settings: Settings) -> IdentityProvider:
    if provider_name(settings) == "workos":
        from openagents_server.domains.identity.providers.workos import WorkOSProvider

        return WorkOSProvider(settings.workos_api_key, settings.workos_client_id, settings.workos_base_url)
    from openagents_server.domains.identity.providers.local import LocalProvider

    return LocalProvider(settings.env)
