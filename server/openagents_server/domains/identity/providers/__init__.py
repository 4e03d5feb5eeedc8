"""Identity providers: WorkOS (the authority in production) and a local one for development."""

from openagents_server.domains.identity.providers.base import (
    IdentityProvider,
    ProviderError,
    ProviderIdentity,
    SentCode,
)
from openagents_server.domains.identity.providers.factory import build_provider

__all__ = ["IdentityProvider", "ProviderError", "ProviderIdentity", "SentCode", "build_provider"]
