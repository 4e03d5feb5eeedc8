"""The page's readable cookies (``document.cookie``): only the CSRF echo, which also hints "signed in"."""

from __future__ import annotations

from js import document  # type: ignore[import-not-found]

#: The readable CSRF cookie's names (``__Host-`` on https); it exists only while a session does.
CSRF_COOKIES = ("__Host-oa_csrf", "oa_csrf")


class JsCookies:
    def get(self, name: str) -> str | None:
        for part in str(document.cookie).split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None
