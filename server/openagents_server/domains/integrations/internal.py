"""Signed internal calls from runtime workers, and the secret fetch they make.

A worker signs ``METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(BODY)`` with HMAC-SHA256 under the key
named by ``x-oa-internal-key-id`` and sends ``x-oa-internal-timestamp`` (unix seconds),
``x-oa-internal-nonce``, ``x-oa-internal-body-sha256`` (hex) and ``x-oa-internal-signature`` (hex).
The server refuses an unknown key, a timestamp more than 60 s away, a body that does not match its
hash, a wrong signature, and — checked last, in PostgreSQL — a nonce it has seen before.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping

import asyncpg

from openagents_server.audit import audit
from openagents_server.domains.integrations import repository, service
from openagents_server.domains.integrations.kit import IntegrationKit
from openagents_server.errors import Forbidden, NotFound, Unauthorized

WINDOW_SECONDS = 60
HEADERS = ("x-oa-internal-key-id", "x-oa-internal-timestamp", "x-oa-internal-nonce", "x-oa-internal-body-sha256",
           "x-oa-internal-signature")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def canonical(method: str, path: str, timestamp: str, nonce: str, body_sha256: str) -> bytes:
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{body_sha256}".encode()


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> dict[str, str]:
    """The headers a worker sends (also used by tests and the benchmark)."""
    digest = hashlib.sha256(body).hexdigest()
    signature = hmac.new(secret, canonical(method, path, timestamp, nonce, digest), hashlib.sha256).hexdigest()
    return {"x-oa-internal-timestamp": timestamp, "x-oa-internal-nonce": nonce,
            "x-oa-internal-body-sha256": digest, "x-oa-internal-signature": signature}


def _refuse(reason: str, message: str) -> Unauthorized:
    return Unauthorized("invalid_internal_signature", message, reason=reason)


async def authenticate(pool: asyncpg.Pool, kit: IntegrationKit, method: str, path: str,
                       headers: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """The key id of a correctly signed, fresh, first-seen request; :class:`Unauthorized` otherwise."""
    key_id, timestamp, nonce, body_hash, signature = (headers.get(h, "") for h in HEADERS)
    secret = kit.internal_keys.get(key_id)
    if secret is None:
        raise _refuse("unknown_key", "Unknown or missing x-oa-internal-key-id.")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > WINDOW_SECONDS:
        raise _refuse("stale_timestamp", f"x-oa-internal-timestamp must be within {WINDOW_SECONDS} s of now.")
    if not _NONCE.match(nonce):
        raise _refuse("invalid_nonce", "x-oa-internal-nonce must be 16-128 characters of A-Za-z0-9_-.")
    if not hmac.compare_digest(body_hash.lower(), hashlib.sha256(body).hexdigest()):
        raise _refuse("body_hash_mismatch", "x-oa-internal-body-sha256 does not match the body.")
    expected = hmac.new(secret, canonical(method, path, timestamp, nonce, body_hash.lower()), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.lower(), expected):
        raise _refuse("invalid_signature", "x-oa-internal-signature does not match.")
    async with pool.acquire() as conn:
        if not await repository.remember_nonce(conn, nonce, key_id):
            raise _refuse("nonce_replayed", "This nonce was used before.")
        if secrets.randbelow(64) == 0:  # now and then, forget nonces past the window
            await repository.prune_nonces(conn, WINDOW_SECONDS * 2)
    return key_id


async def fetch_secret(pool: asyncpg.Pool, kit: IntegrationKit, key_id: str, *, run_id: str, user_id: str,
                       provider: str) -> dict[str, object]:
    """The secret of ``provider`` for ``run_id``, if the run is ``user_id``'s, live, and its policy allows it.
    Every fetch, granted or refused, is audited."""
    attributes = {"run_id": run_id, "provider": provider, "key_id": key_id}
    async with pool.acquire() as conn:
        scope = await kit.run_scopes.scope(conn, run_id)
        problem = None
        if scope is None:
            problem = NotFound("run_not_found", "No such run.")
        elif scope.user_id != user_id:
            problem = Forbidden("run_owner_mismatch", "The run does not belong to this person.")
        elif scope.finished:
            problem = Forbidden("run_finished", "The run is over; it may not fetch secrets.")
        elif provider not in scope.integrations:
            problem = Forbidden("integration_not_allowed", f"The run's policy does not allow {provider}.")
        if problem is not None:
            await audit(conn, "integrations.secret.fetch_refused", outcome="denied", user_id=user_id,
                        attributes={**attributes, "reason": problem.code})
            raise problem
    try:
        integration_id, secret = await service.usable_secret(pool, kit, user_id, provider)
    except Exception as exc:
        async with pool.acquire() as conn:
            await audit(conn, "integrations.secret.fetch_refused", outcome="failure", user_id=user_id,
                        attributes={**attributes, "reason": getattr(exc, "code", type(exc).__name__)})
        raise
    async with pool.acquire() as conn:
        await audit(conn, "integrations.secret.fetched", user_id=user_id,
                    attributes={**attributes, "integration_id": integration_id})
    return {"provider": provider, "integration_id": integration_id, "run_id": run_id, "secret": secret}
