"""Signed, expiring sign-in links for local development and end-to-end tests (never in production)."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

#: How long a link printed by ``openagents auth test-login-url`` stays valid.
DEFAULT_TTL_SECONDS = 15 * 60
ENVIRONMENTS = ("local", "test")


def signature(secret: str, email: str, expires: int, name: str, redirect: str) -> str:
    message = "\n".join((email, str(expires), name, redirect)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_query(secret: str, email: str, *, name: str = "", redirect: str = "/",
                 ttl_seconds: int = DEFAULT_TTL_SECONDS, now: int | None = None) -> str:
    expires = int(time.time() if now is None else now) + ttl_seconds
    email = email.strip().lower()
    sig = signature(secret, email, expires, name, redirect)
    return urlencode({"email": email, "expires": expires, "name": name, "redirect": redirect, "signature": sig})


def valid(secret: str, email: str, expires: int, name: str, redirect: str, presented: str,
          now: int | None = None) -> str | None:
    """None if the link is good, else why not (``bad_signature`` / ``expired``)."""
    if not hmac.compare_digest(signature(secret, email, expires, name, redirect), presented):
        return "bad_signature"
    if expires < int(time.time() if now is None else now):
        return "expired"
    return None


def safe_redirect(target: str | None) -> str:
    """Only same-origin paths: ``/x`` yes; ``//evil``, ``https://evil``, ``/\\evil`` no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
