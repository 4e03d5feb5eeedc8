"""The internal signed key guarding operator endpoints (``/api/internal/khala/*``).

A caller proves it holds ``OPENAGENTS_INTERNAL_API_KEY`` without sending it: it sends a timestamp
and ``hex(HMAC-SHA256(key, "{timestamp}.{METHOD}.{path}"))``. Signatures older than 60 s are refused,
so a captured header is useless a minute later and on any other endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "x-oa-internal-timestamp"
SIGNATURE_HEADER = "x-oa-internal-signature"
MAX_SKEW_SECONDS = 60


def sign(key: str, method: str, path: str, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(key.encode(), f"{ts}.{method.upper()}.{path}".encode(), hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: mac}


def verify(key: str, method: str, path: str, timestamp: str | None, signature: str | None,
           now: int | None = None) -> bool:
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    current = int(time.time()) if now is None else now
    if abs(current - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    expected = sign(key, method, path, int(timestamp))[SIGNATURE_HEADER]
    return hmac.compare_digest(expected, signature)
