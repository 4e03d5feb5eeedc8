"""Integrations: a person's Resend and Google accounts, Resend delivery webhooks, and the signed
internal call through which runtime workers fetch the secrets a run may use (docs/INTEGRATIONS.md)."""
