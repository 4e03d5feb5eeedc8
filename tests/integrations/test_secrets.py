"""Secrets at rest: sealed (never plaintext in the database, never in logs or responses), bound to
their row, and re-encrypted onto a new key by `openagents integrations rotate-keys`."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import subprocess
from pathlib import Path

import asyncpg
import pytest
from openagents_server.domains.integrations.crypto import Keyring, Sealed, UnknownKey, row_context
from openagents_server.settings import DEV_ENCRYPTION_KEYS, SettingsError, load_settings, parse_keyring

from tests.integrations.fakes import FULL_KEY, FakeGoogle

REPO = Path(__file__).resolve().parents[2]
OLD = parse_keyring(DEV_ENCRYPTION_KEYS)
NEW_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()


def sealed_of(row: asyncpg.Record) -> Sealed:
    return Sealed(row["key_id"], bytes(row["wrapped_key"]), bytes(row["ciphertext"]))


async def test_the_database_never_holds_a_plaintext_secret(server, people, db, fake_google: FakeGoogle) -> None:
    from tests.integrations.test_google import authorize

    ada = await people()
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    assert (await ada.get(await authorize(ada))).status_code == 303
    refresh_token, access_token = next(iter(fake_google.refresh)), next(iter(fake_google.access))
    rows = await db.fetch("SELECT * FROM integrations")
    assert len(rows) == 2
    dump = b"".join(bytes(v) if isinstance(v, bytes) else str(v).encode() for r in rows for v in r.values())
    for secret in (FULL_KEY, refresh_token, access_token):
        assert secret.encode() not in dump and secret[4:-4].encode() not in dump
    # Nor anywhere else the server writes: audit rows, the Khala log, the server's own log.
    elsewhere = str(await db.fetch("SELECT attributes FROM audit_events")) + str(
        await db.fetch("SELECT convert_from(payload, 'UTF8') FROM khala_events")) + server.log()
    assert FULL_KEY not in elsewhere and refresh_token not in elsewhere
    # What the database holds opens, with the keyring, to the secret.
    resend = next(r for r in rows if r["provider"] == "resend")
    assert FULL_KEY.encode() in Keyring(OLD).open(sealed_of(resend), row_context(resend["id"], "resend"))


async def test_a_sealed_secret_copied_onto_another_row_does_not_open() -> None:
    keyring = Keyring(OLD)
    sealed = keyring.seal(b"re_secret_value_1234", row_context("int_a", "resend"))
    with pytest.raises(Exception, match="integrity"):
        keyring.open(sealed, row_context("int_b", "resend"))


async def test_rotation_re_encrypts_onto_the_new_key_and_old_keys_stay_readable_until_done(
        server, people, db, database_url: str) -> None:
    ada = await people()
    assert (await ada.connect_resend(FULL_KEY)).status_code == 201
    row = await db.fetchrow("SELECT * FROM integrations")
    assert row["key_id"] == "dev-only-1"
    both = {"k2": base64.urlsafe_b64decode(NEW_KEY), **OLD}
    # Before rotation, a keyring with the new key active still opens the old rows.
    assert FULL_KEY.encode() in Keyring(both, "k2").open(sealed_of(row), row_context(row["id"], "resend"))

    env = {**os.environ, "OPENAGENTS_ENV": "test", "OPENAGENTS_DATABASE_URL": database_url,
           "OPENAGENTS_INTEGRATIONS_ENCRYPTION_KEYS": f"k2:{NEW_KEY},{DEV_ENCRYPTION_KEYS}",
           "OPENAGENTS_INTEGRATIONS_ACTIVE_KEY_ID": "k2"}
    done = await asyncio.to_thread(subprocess.run, [str(REPO / ".venv/bin/openagents"), "integrations", "rotate-keys"],
                                   env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "1 secret(s) re-encrypted onto the active key; 0 left on old keys" in done.stderr.replace("\n", " ")

    rotated = await db.fetchrow("SELECT * FROM integrations")
    assert rotated["key_id"] == "k2" and bytes(rotated["wrapped_key"]) != bytes(row["wrapped_key"])
    new_only = Keyring({"k2": base64.urlsafe_b64decode(NEW_KEY)})
    assert FULL_KEY.encode() in new_only.open(sealed_of(rotated), row_context(rotated["id"], "resend"))
    with pytest.raises(UnknownKey):
        Keyring(OLD).open(sealed_of(rotated), row_context(rotated["id"], "resend"))


def test_production_refuses_missing_or_weak_integration_secrets() -> None:
    base = {"OPENAGENTS_ENV": "production", "OPENAGENTS_SYNC_TOKEN_SECRET": secrets.token_urlsafe(32),
            "OPENAGENTS_SESSION_SECRET": secrets.token_urlsafe(32),
            "OPENAGENTS_INTERNAL_API_KEY": secrets.token_urlsafe(32)}
    with pytest.raises(SettingsError, match="INTEGRATIONS_ENCRYPTION_KEYS must be set in production.*os.urandom"):
        load_settings(base)
    keys = {**base, "OPENAGENTS_INTEGRATIONS_ENCRYPTION_KEYS": f"k1:{NEW_KEY}"}
    with pytest.raises(SettingsError, match="INTEGRATIONS_INTERNAL_KEYS must be set"):
        load_settings(keys)
    internal = {**keys, "OPENAGENTS_INTEGRATIONS_INTERNAL_KEYS": "rt1:" + secrets.token_urlsafe(32)}
    with pytest.raises(SettingsError, match="RESEND_WEBHOOK_SECRETS must be set"):
        load_settings(internal)
    with pytest.raises(SettingsError, match="has 5 bytes"):
        load_settings({**internal, "OPENAGENTS_RESEND_WEBHOOK_SECRETS": "whsec_" + base64.b64encode(b"short").decode()})
    good = load_settings({**internal, "OPENAGENTS_RESEND_WEBHOOK_SECRETS": "whsec_" + base64.b64encode(os.urandom(24)).decode()})
    assert good.env == "production"
    with pytest.raises(SettingsError, match="needs 32"):
        load_settings({"OPENAGENTS_INTEGRATIONS_ENCRYPTION_KEYS": "k1:c2hvcnQ="})
    with pytest.raises(SettingsError, match="ACTIVE_KEY_ID"):
        load_settings({"OPENAGENTS_INTEGRATIONS_ACTIVE_KEY_ID": "nope"})


def test_openagents_config_masks_the_integration_secrets() -> None:
    env = {**os.environ, "OPENAGENTS_INTEGRATIONS_ENCRYPTION_KEYS": f"k1:{NEW_KEY}",
           "OPENAGENTS_GOOGLE_CLIENT_ID": "cid", "OPENAGENTS_GOOGLE_CLIENT_SECRET": "google-secret-value-123"}
    out = subprocess.run([str(REPO / ".venv/bin/openagents"), "config", "--json"], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert NEW_KEY not in out and "google-secret-value-123" not in out and "dev-only-runtime" not in out
    assert '"integrations_encryption_keys": "********"' in out
