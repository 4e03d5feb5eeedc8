"""The shell's route table (anchor: the web routes of the seeds) and a pure matcher."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    name: str
    title: str
    params: dict[str, str] = field(default_factory=dict)


#: (pattern, name, title). ``{x}`` is one path segment; ``*`` is any rest (including nothing).
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("/", "home", "Home"),
    ("/chat/{thread}", "chat", "Chat"),
    ("/feed", "feed", "Feed"),
    ("/login", "login", "Sign in"),
    ("/register", "register", "Create account"),
    ("/authenticate", "authenticate", "Signing you in"),
    ("/onboarding/*", "onboarding", "Onboarding"),
    ("/workers", "workers", "Workers"),
    ("/account/*", "account", "Account"),
    ("/settings/profile", "settings.profile", "Profile settings"),
    ("/settings/autopilot", "settings.autopilot", "Autopilot settings"),
    ("/autopilots", "autopilots", "Autopilots"),
    ("/autopilots/{autopilot}", "autopilot", "Autopilot"),
    ("/settings/integrations", "settings.integrations", "Integrations"),
    ("/l402", "l402", "L402 wallet"),
    ("/l402/transactions/*", "l402.transactions", "L402 transactions"),
    ("/l402/paywalls", "l402.paywalls", "L402 paywalls"),
    ("/l402/settlements", "l402.settlements", "L402 settlements"),
    ("/l402/deployments", "l402.deployments", "L402 deployments"),
    ("/admin/runtime", "admin.runtime", "Runtime admin"),
    ("/admin/*", "admin", "Admin"),
    ("/debug", "debug", "Debug"),
)

NOT_FOUND = Route("not_found", "Page not found")


def _compile(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("/*"):
        base = re.escape(pattern[:-2])
        return re.compile(f"^{base}(?:/(?P<rest>.*))?$")
    out = re.escape(pattern)
    out = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", out)
    return re.compile(f"^{out}$")


_COMPILED = tuple((_compile(pattern), name, title) for pattern, name, title in ROUTES)


def normalize(path: str) -> str:
    """Drop query/fragment and a trailing slash (but keep ``/``)."""
    path = path.split("#", 1)[0].split("?", 1)[0] or "/"
    return path.rstrip("/") or "/"


def match(path: str) -> Route:
    path = normalize(path)
    for regex, name, title in _COMPILED:
        found = regex.match(path)
        if found:
            params = {k: v for k, v in found.groupdict().items() if v is not None}
            return Route(name, title, params)
    return NOT_FOUND
