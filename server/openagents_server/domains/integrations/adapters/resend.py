"""Resend through its official SDK (``resend``), pointed at ``settings.resend_api_url``.

The SDK keeps its API key and base URL in module globals and is synchronous, so each call runs in
a worker thread under one lock that sets both, calls, and clears the key again. Integration calls
are rare (connect, test email, a tool sending mail), so serialising them costs nothing that matters.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import resend
from resend.exceptions import RateLimitError, ResendError

_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class KeyCheck:
    valid: bool
    #: "full_access" or "sending_access" (a restricted key can send but not list domains)
    permission: str | None = None
    domains: tuple[str, ...] = ()
    reason: str | None = None


class ProviderError(Exception):
    """Resend refused or could not be reached; ``reason`` is stable, ``message`` is Resend's words."""

    def __init__(self, reason: str, message: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.retryable = retryable


class EmailGateway(Protocol):
    async def check_key(self, api_key: str) -> KeyCheck: ...
    async def send(self, api_key: str, *, sender: str, to: str, subject: str, html: str, text: str) -> str: ...


class ResendGateway:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, api_key: str, fn: Any, *args: Any) -> Any:
        with _LOCK:
            resend.api_key, resend.api_url = api_key, self.base_url
            try:
                return fn(*args)
            finally:
                resend.api_key = None

    async def check_key(self, api_key: str) -> KeyCheck:
        """Ask Resend whether the key is real: ``GET /domains`` (a sending-only key is refused with
        ``restricted_api_key``, which still proves the key exists)."""
        try:
            listed = await asyncio.to_thread(self._call, api_key, resend.Domains.list)
        except ResendError as exc:
            if exc.error_type == "restricted_api_key":
                return KeyCheck(True, "sending_access")
            if exc.error_type in ("validation_error", "invalid_api_key", "missing_api_key") or str(exc.code) in ("401", "403"):
                return KeyCheck(False, reason=exc.message or "API key is invalid")
            raise _provider_error(exc) from None
        domains = tuple(str(d.get("name", "")) for d in (listed.get("data") or []) if isinstance(d, dict))
        return KeyCheck(True, "full_access", domains)

    async def send(self, api_key: str, *, sender: str, to: str, subject: str, html: str, text: str) -> str:
        params = {"from": sender, "to": [to], "subject": subject, "html": html, "text": text}
        try:
            sent = await asyncio.to_thread(self._call, api_key, resend.Emails.send, params)
        except ResendError as exc:
            raise _provider_error(exc) from None
        return str(sent["id"])


def _provider_error(exc: ResendError) -> ProviderError:
    retryable = isinstance(exc, RateLimitError) or str(exc.code).startswith("5")
    return ProviderError(exc.error_type or "resend_error", exc.message or str(exc), retryable)
