"""Opaque credentials: generation, the prefixes that name their kind, and hashing for storage.

Tokens carry 256 bits of randomness, so a plain SHA-256 is enough to store them: nobody can search
that space, and a stolen database row cannot be replayed as a bearer token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: anchor: access tokens ``oa_at_…`` (1 h), refresh tokens ``oa_rt_…`` (30 d); PATs are ours.
ACCESS_PREFIX = "oa_at_"
REFRESH_PREFIX = "oa_rt_"
PAT_PREFIX = "oa_pat_"
ACCESS_TTL_SECONDS = 3600
REFRESH_TTL_SECONDS = 30 * 24 * 3600
#: Longest credential we accept from a client; anything longer is not ours (and is not hashed).
MAX_TOKEN_LENGTH = 128


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def new_id(prefix: str) -> str:
    """Readable, unguessable row ids such as ``sess_3f9a…`` (hex: safe inside topics and URLs)."""
    return f"{prefix}_{secrets.token_hex(12)}"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_token(secret: str, session_id: str) -> str:
    """The CSRF token of a browser session: an HMAC of its id, so it cannot be planted or guessed."""
    return hmac.new(secret.encode(), b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str, session_id: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret, session_id), presented or "")


def email_hint(email: str) -> str:
    """``ch***@openagents.com`` (anchor: challenge fixture) — safe for logs and audit rows."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}***@{domain}"
