"""The header's navigation links."""

from __future__ import annotations

NAV_LINKS: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/feed", "Feed"),
    ("/chat/welcome", "Chat"),
    ("/workers", "Workers"),
    ("/settings/profile", "Settings"),
    ("/l402", "L402"),
    ("/debug", "Debug"),
)
#: Links shown only to a signed-in person (after the public ones).
SIGNED_IN_NAV_LINKS: tuple[tuple[str, str], ...] = (
    ("/account/whispers", "Whispers"),
)
