"""Envelope encryption of integration secrets (AES-256-GCM through ``cryptography``).

Each secret gets its own random data key; the data key is wrapped by the keyring's active key.
Both layers bind the row's id and provider as associated data, so a ciphertext copied onto another
row does not decrypt. Rotation re-wraps rows onto the active key; old keys stay in the keyring (and
readable) until ``openagents integrations rotate-keys`` reports none left.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openagents_server.errors import Unavailable
from openagents_server.settings import Settings, parse_keyring

_NONCE = 12


@dataclass(frozen=True, slots=True)
class Sealed:
    key_id: str
    #: nonce ‖ AES-GCM(active key, data key)
    wrapped_key: bytes
    #: nonce ‖ AES-GCM(data key, plaintext)
    ciphertext: bytes


class UnknownKey(Unavailable):
    """A row names a key the keyring no longer holds (removed before rotation finished)."""

    default_code = "encryption_key_missing"


class Keyring:
    def __init__(self, keys: dict[str, bytes], active_id: str | None = None) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active_id = active_id or next(iter(keys))
        if self.active_id not in self._keys:
            raise ValueError(f"active key {self.active_id!r} is not in the keyring")

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        return cls(parse_keyring(settings.integrations_encryption_keys), settings.integrations_active_key_id or None)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def seal(self, plaintext: bytes, context: bytes) -> Sealed:
        data_key = AESGCM.generate_key(bit_length=256)
        nonce, wrap_nonce = os.urandom(_NONCE), os.urandom(_NONCE)
        ciphertext = nonce + AESGCM(data_key).encrypt(nonce, plaintext, context)
        wrapped = wrap_nonce + self._keys[self.active_id].encrypt(wrap_nonce, data_key, context)
        return Sealed(self.active_id, wrapped, ciphertext)

    def open(self, sealed: Sealed, context: bytes) -> bytes:
        kek = self._keys.get(sealed.key_id)
        if kek is None:
            raise UnknownKey(message=f"The secret is sealed with key {sealed.key_id!r}, which the keyring no longer "
                             "holds; put it back and run `openagents integrations rotate-keys`.")
        try:
            data_key = kek.decrypt(sealed.wrapped_key[:_NONCE], sealed.wrapped_key[_NONCE:], context)
            return AESGCM(data_key).decrypt(sealed.ciphertext[:_NONCE], sealed.ciphertext[_NONCE:], context)
        except InvalidTag:
            raise Unavailable("secret_unreadable", "A stored secret failed its integrity check.") from None

    def rewrap(self, sealed: Sealed, context: bytes) -> Sealed:
        """The same data key (and ciphertext) wrapped by the active key."""
        kek = self._keys.get(sealed.key_id)
        if kek is None:
            raise UnknownKey(message=f"key {sealed.key_id!r} is missing from the keyring")
        data_key = kek.decrypt(sealed.wrapped_key[:_NONCE], sealed.wrapped_key[_NONCE:], context)
        wrap_nonce = os.urandom(_NONCE)
        wrapped = wrap_nonce + self._keys[self.active_id].encrypt(wrap_nonce, data_key, context)
        return Sealed(self.active_id, wrapped, sealed.ciphertext)


def row_context(integration_id: str, provider: str) -> bytes:
    return f"openagents.integration.v1|{integration_id}|{provider}".encode()


def hint(secret: str) -> str:
    """What is shown of a secret after creation: its prefix and last four characters (``re_…abcd``)."""
    prefix = secret.split("_", 1)[0] + "_" if "_" in secret[:8] else ""
    return f"{prefix}…{secret[-4:]}" if len(secret) >= 12 else "…"
