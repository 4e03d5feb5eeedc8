"""Issue 18 point 4: production refuses weak or default secrets, and says how to make a good one."""

from __future__ import annotations

import secrets

import pytest
from openagents_server.settings import PRODUCTION_SECRETS, SettingsError, load_settings, secret_bits

from tests.support.production import production_environment


def _strong() -> dict[str, str]:
    return {**{f"OPENAGENTS_{name.upper()}": secrets.token_urlsafe(32) for name in PRODUCTION_SECRETS},
            **production_environment()}


def test_a_production_server_with_a_one_letter_secret_does_not_start(live_server) -> None:
    env = {**_strong(), "OPENAGENTS_ENV": "production", "OPENAGENTS_SESSION_SECRET": "b"}
    with pytest.raises(RuntimeError) as failed:
        live_server(env=env)
    message = str(failed.value)
    assert "OPENAGENTS_SESSION_SECRET is too weak for production" in message
    assert "secrets.token_urlsafe(32)" in message


@pytest.mark.parametrize("name", PRODUCTION_SECRETS)
@pytest.mark.parametrize("weak", ["b", "x" * 64, "password" * 4, "ab" * 20, "dev-only-" + "k" * 40])
def test_each_secret_needs_length_and_entropy(name: str, weak: str) -> None:
    env = {**_strong(), f"OPENAGENTS_{name.upper()}": weak}
    with pytest.raises(SettingsError, match=f"OPENAGENTS_{name.upper()}"):
        load_settings(env, env="production")


def test_generated_secrets_and_rotated_key_lists_pass() -> None:
    env = _strong()
    env["OPENAGENTS_SYNC_TOKEN_SECRET"] = f"k2:{secrets.token_hex(32)},k1:{secrets.token_urlsafe(32)}"
    assert load_settings(env, env="production").env == "production"
    assert secret_bits(secrets.token_hex(16)) >= 96
    with pytest.raises(SettingsError, match="OPENAGENTS_SYNC_TOKEN_SECRET"):
        load_settings({**env, "OPENAGENTS_SYNC_TOKEN_SECRET": f"k2:{secrets.token_hex(32)},k1:short"},
                      env="production")


def test_registration_cannot_be_enabled_in_production() -> None:
    with pytest.raises(SettingsError, match="OPENAGENTS_AUTH_REGISTER_ENABLED is not allowed in production"):
        load_settings({**_strong(), "OPENAGENTS_AUTH_REGISTER_ENABLED": "true"}, env="production")
    assert load_settings({"OPENAGENTS_AUTH_REGISTER_ENABLED": "true"}, env="test").auth_register_enabled
