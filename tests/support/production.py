"""Strong values for every secret production requires, for tests that start a production instance."""

from __future__ import annotations

import base64
import secrets


def production_secrets() -> dict[str, object]:
    """Settings overrides (``load_settings(..., **production_secrets())``)."""
    return {
        "sync_token_secret": secrets.token_urlsafe(32),
        "session_secret": secrets.token_urlsafe(32),
        "internal_api_key": secrets.token_urlsafe(32),
        "integrations_encryption_keys": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "integrations_internal_keys": "rt:" + secrets.token_urlsafe(32),
        "resend_webhook_secrets": ("whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),),
    }


def production_environment() -> dict[str, str]:
    """The same values as ``OPENAGENTS_*`` environment variables (for a server or CLI subprocess)."""
    values = production_secrets()
    return {f"OPENAGENTS_{name.upper()}": value if isinstance(value, str) else ",".join(value)
            for name, value in values.items()}
