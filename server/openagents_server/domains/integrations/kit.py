"""The integrations domain's long-lived objects, built once per app from settings."""

from __future__ import annotations

from dataclasses import dataclass

from standardwebhooks.webhooks import Webhook

from openagents_server.domains.integrations.adapters.google import GoogleOAuth, OAuthProvider
from openagents_server.domains.integrations.adapters.resend import EmailGateway, ResendGateway
from openagents_server.domains.integrations.crypto import Keyring
from openagents_server.domains.integrations.run_scopes import PostgresRunScopes, RunScopes
from openagents_server.settings import Settings, parse_internal_keys


@dataclass
class IntegrationKit:
    keyring: Keyring
    email: EmailGateway
    google: OAuthProvider | None
    webhook_verifiers: tuple[Webhook, ...]
    internal_keys: dict[str, bytes]
    run_scopes: RunScopes
    public_origin: str
    test_from: str
    retention_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> IntegrationKit:
        return cls(
            keyring=Keyring.from_settings(settings),
            email=ResendGateway(settings.resend_api_url),
            google=GoogleOAuth(settings) if settings.google_client_id else None,
            webhook_verifiers=tuple(Webhook(secret) for secret in settings.resend_webhook_secrets),
            internal_keys={k: v.encode() for k, v in parse_internal_keys(settings.integrations_internal_keys).items()},
            run_scopes=PostgresRunScopes(),
            public_origin=settings.public_origin.rstrip("/"),
            test_from=settings.resend_test_from,
            retention_days=settings.integrations_webhook_retention_days,
        )

    @property
    def google_redirect_uri(self) -> str:
        return f"{self.public_origin}/settings/integrations/google/callback"
