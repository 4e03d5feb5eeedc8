"""Helpers shared by the route modules: client info, envelopes, cookie-carrying responses."""

from __future__ import annotations

from typing import Any

from litestar import Request

from openagents_server.domains.identity.authentication import (
    client_ip,
    is_browser,
    user_agent,
    valid_device_id,
)
from openagents_server.domains.identity.cookies import CookieNames
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.identity.sign_in import ClientInfo, new_browser_device_id
from openagents_server.settings import Settings

#: Bodies of control-plane requests are small; anything larger is refused with 413 before parsing.
MAX_BODY_BYTES = 16 * 1024


def client_info(request: Request[Any, Any, Any], settings: Settings, names: CookieNames,
                device_id: str | None = None) -> ClientInfo:
    """Who is signing in from where. Browsers keep a device id cookie; API clients name theirs."""
    browser = is_browser(request)
    device = device_id or valid_device_id(request.headers.get("x-device-id"), "x-device-id")
    if device is None and browser:
        device = request.cookies.get(names.device)
        if device is not None and valid_device_id_or_none(device) is None:
            device = None
    if device is None:
        device = new_browser_device_id() if browser else new_id("api")
    return ClientInfo(client_ip(request, settings), user_agent(request), device, "browser" if browser else "api")


def valid_device_id_or_none(value: str) -> str | None:
    try:
        return valid_device_id(value)
    except Exception:  # noqa: BLE001 - a mangled cookie is simply replaced
        return None
