"""The L402 credentials a wallet paid for, kept sealed in PostgreSQL and hot in this process.

A credential (macaroon + preimage) is a bearer secret: it is stored under the integrations keyring's
envelope encryption (AES-GCM, bound to the wallet and scope) and never returned by any API. The
in-process copy saves the decryption and the query on reuse; it is keyed by wallet and scope and
dropped at expiry or when the server refuses it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime

import asyncpg

from openagents_server.domains.integrations.crypto import Keyring, Sealed
from openagents_server.domains.payments import repository as repo

MAX_CACHED = 10_000


def _context(wallet_id: str, scope: str) -> bytes:
    return f"openagents.l402.credential.v1|{wallet_id}|{scope}".encode()


class CredentialStore:
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._hot: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()

    async def get(self, pool: asyncpg.Pool, wallet_id: str, scope: str) -> str | None:
        """The ``Authorization`` value for ``scope``, or None."""
        key = (wallet_id, scope)
        hot = self._hot.get(key)
        now = time.time()
        if hot is not None:
            if hot[1] > now:
                return hot[0]
            self._hot.pop(key, None)
        row = await repo.credential(pool, wallet_id, scope)
        if row is None:
            return None
        header = self._keyring.open(Sealed(row.key_id, bytes(row.wrapped_key), bytes(row.ciphertext)),
                                    _context(wallet_id, scope)).decode()
        expires = row.expires_at.timestamp() if row.expires_at else now + 3600
        self._remember(key, header, expires)
        return header

    async def put(self, pool: asyncpg.Pool, wallet_id: str, scope: str, payment_hash: str, header: str,
                  expires_at: float | None) -> None:
        sealed = self._keyring.seal(header.encode(), _context(wallet_id, scope))
        when = datetime.fromtimestamp(expires_at, UTC) if expires_at else None
        await repo.save_credential(pool, wallet_id, scope, payment_hash, sealed.key_id, sealed.wrapped_key,
                                   sealed.ciphertext, when)
        self._remember((wallet_id, scope), header, expires_at or time.time() + 3600)

    async def forget(self, pool: asyncpg.Pool, wallet_id: str, scope: str) -> None:
        self._hot.pop((wallet_id, scope), None)
        await repo.forget_credential(pool, wallet_id, scope)

    def _remember(self, key: tuple[str, str], header: str, expires: float) -> None:
        self._hot[key] = (header, expires)
        self._hot.move_to_end(key)
        while len(self._hot) > MAX_CACHED:
            self._hot.popitem(last=False)
