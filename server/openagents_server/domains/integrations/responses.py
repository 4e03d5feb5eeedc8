"""Response bodies of the integration routes (each returned as ``Data[T]``)."""

from __future__ import annotations

from msgspec import Struct


class Integration(Struct):
    provider: str
    connected: bool
    #: "connected as …": the Resend key's access level and domains, or the Google account's email
    account_label: str | None = None
    #: e.g. ``re_…abcd``; the secret itself is never returned
    secret_hint: str | None = None
    scopes: list[str] = []
    connected_at: str | None = None
    last_used_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    token_expires_at: str | None = None


class Delivery(Struct):
    message_id: str
    to: str
    subject: str
    #: sent, delivered, opened, complained or bounced
    state: str
    last_event_at: str | None
    created_at: str
    updated_at: str


class IntegrationsOverview(Struct):
    integrations: list[Integration]
    #: The latest emails sent through the person's Resend account, newest first.
    deliveries: list[Delivery]
    #: The Khala topic where delivery changes appear live.
    topic: str
    google_available: bool


class Disconnected(Struct):
    provider: str
    disconnected: bool
    #: Google only: whether the grant was revoked at the provider
    revoked_at_provider: bool | None = None


class TestEmailSent(Struct):
    message_id: str
    to: str
    state: str


class GoogleAuthorization(Struct):
    authorize_url: str


class WebhookAck(Struct):
    svix_id: str
    #: applied, ignored (nothing to apply) or duplicate (applied before: not applied again)
    outcome: str


class FetchedSecret(Struct):
    provider: str
    integration_id: str
    run_id: str
    #: resend: {"api_key"}; google: {"access_token", "expires_at"} (never the refresh token)
    secret: dict[str, str]
