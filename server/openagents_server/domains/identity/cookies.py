"""Browser session cookies (ADR 0200): HttpOnly tokens, a readable CSRF cookie, a device id.

Every cookie is ``Secure; SameSite=Lax; Path=/``. Over HTTPS the names carry the ``__Host-`` prefix,
which makes the browser refuse them unless they are Secure, host-only and Path=/ (no subdomain or
sibling app can plant or shadow them). Chromium treats http://localhost and 127.0.0.1 as secure, so
Secure cookies work in local development too.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import Cookie

from openagents_server.domains.identity.credentials import ACCESS_TTL_SECONDS, REFRESH_TTL_SECONDS
from openagents_server.settings import Settings

#: Browsers cap cookie lifetime at 400 days; the device id should live that long.
DEVICE_TTL_SECONDS = 400 * 24 * 3600
CHALLENGE_TTL_SECONDS = 600
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class CookieNames:
    session: str
    refresh: str
    csrf: str
    device: str
    challenge: str

    @classmethod
    def for_settings(cls, settings: Settings) -> CookieNames:
        prefix = "__Host-" if settings.public_origin.startswith("https://") else ""
        return cls(
            session=f"{prefix}oa_session",
            refresh=f"{prefix}oa_refresh",
            csrf=f"{prefix}oa_csrf",
            device=f"{prefix}oa_device",
            challenge=f"{prefix}oa_challenge",
        )


def _cookie(key: str, value: str, max_age: int, *, httponly: bool = True) -> Cookie:
    return Cookie(key=key, value=value, max_age=max_age, path="/", secure=True, httponly=httponly, samesite="lax")


def session_cookies(names: CookieNames, *, access_token: str, refresh_token: str, csrf: str,
                    device_id: str) -> list[Cookie]:
    return [
        _cookie(names.session, access_token, ACCESS_TTL_SECONDS),
        _cookie(names.refresh, refresh_token, REFRESH_TTL_SECONDS),
        # Readable by the page's JavaScript on purpose: it echoes the value in the x-csrf-token header.
        _cookie(names.csrf, csrf, REFRESH_TTL_SECONDS, httponly=False),
        _cookie(names.device, device_id, DEVICE_TTL_SECONDS),
        expired(names.challenge),
    ]


def challenge_cookie(names: CookieNames, challenge_id: str) -> Cookie:
    return _cookie(names.challenge, challenge_id, CHALLENGE_TTL_SECONDS)


def device_cookie(names: CookieNames, device_id: str) -> Cookie:
    return _cookie(names.device, device_id, DEVICE_TTL_SECONDS)


def expired(key: str, *, httponly: bool = True) -> Cookie:
    return Cookie(key=key, value="", max_age=0, path="/", secure=True, httponly=httponly, samesite="lax")


def cleared_session_cookies(names: CookieNames) -> list[Cookie]:
    """Logout: drop the tokens and the CSRF cookie, keep the device id (it names the browser)."""
    return [expired(names.session), expired(names.refresh), expired(names.csrf, httponly=False)]
