"""``GET /sync/socket``: the WebSocket entry point.

The entry is thin: Origin and subprotocol checks, then a ``Connection`` runs the protocol. What the
web layer knows about a client — which bundle it is served, hence which compatibility window
judges its HELLO — comes in through ``ServedWindowFor``, given by the app factory: Khala does not
import ``web``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from openagents_proto.sync import domain as d
from openagents_proto.sync.compat import CompatibilityWindow

from openagents_server.khala import codec, codes
from openagents_server.khala.auth import PROTOCOL_VERSION, origin_allowed
from openagents_server.khala.connection import Connection
from openagents_server.khala.node import KhalaNode

_log = structlog.get_logger("openagents.khala.gateway")
SOCKET_PATH = "/sync/socket"

#: Given the upgrade request's headers (lower-case names) and the client's address: the
#: compatibility window of the bundle this client is served and the builds deployed here (None: no
#: bundle deployed). Khala judges the HELLO by it as well as by the operator's window.
ServedWindowFor = Callable[[Mapping[str, str], str], Awaitable[tuple[CompatibilityWindow, frozenset[str]] | None]]


class KhalaSocketApp:
    """ASGI layer in front of the app: ``/sync/socket`` WebSockets go straight to Khala.

    The socket is Khala's alone (binary frames, its own error model), so it skips Litestar's routing
    and per-message send wrappers — on the fan-out hot path every wrapper costs a coroutine per
    frame per socket. Everything else goes to ``inner`` unchanged.
    """

    def __init__(self, node: KhalaNode, inner: Any, served_window_for: ServedWindowFor | None = None,
                 path: str = SOCKET_PATH) -> None:
        self.node = node
        self.inner = inner
        self.served_window_for = served_window_for
        self.path = path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and scope["path"] == self.path:
            await serve_socket(self.node, scope, receive, send, self.served_window_for)
            return
        await self.inner(scope, receive, send)


async def serve_socket(node: KhalaNode, scope: Any, asgi_receive: Any, asgi_send: Any,
                       served_window_for: ServedWindowFor | None = None) -> None:
    first = await asgi_receive()
    if first["type"] != "websocket.connect":
        return
    settings = node.settings
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    origin = headers.get("origin")
    if not origin_allowed(origin, settings.allowed_origins, settings.public_origin):
        _log.info("khala_origin_refused", origin=origin)
        await asgi_send({"type": "websocket.close", "code": 4003, "reason": "origin_not_allowed"})  # HTTP 403
        return
    offered = scope.get("subprotocols") or []
    chosen = PROTOCOL_VERSION if PROTOCOL_VERSION in offered else None
    await asgi_send({"type": "websocket.accept", "subprotocol": chosen, "headers": []})

    def send(frame: bytes) -> Awaitable[None]:
        # A plain function handing back the server's awaitable: no coroutine per frame per socket.
        # No ``"text": None`` key: with both keys present granian converts the bytes element by element.
        return asgi_send({"type": "websocket.send", "bytes": frame})  # type: ignore[no-any-return]

    async def close(code: int, reason: str) -> None:
        await asgi_send({"type": "websocket.close", "code": code, "reason": reason})

    if chosen is None:
        error = d.SyncError(code=d.SyncErrorCode.UPGRADE_REQUIRED,
                            message=f"subprotocol_missing: offer the WebSocket subprotocol {PROTOCOL_VERSION}",
                            close_code=codes.UPGRADE_REQUIRED.close_code, recovery=d.RecoveryHint.UPGRADE)
        await send(codec.encode(error))
        await close(codes.UPGRADE_REQUIRED.close_code, codes.UPGRADE_REQUIRED.code)
        return

    async def receive() -> bytes | str | None:
        try:
            message = await asgi_receive()
        except OSError:
            return None
        if message["type"] != "websocket.receive":
            return None  # websocket.disconnect
        data = message.get("bytes")
        return data if data is not None else message.get("text") or ""

    client = scope.get("client")
    host = client[0] if client else ""

    def window() -> Awaitable[tuple[CompatibilityWindow, frozenset[str]] | None]:
        assert served_window_for is not None
        return served_window_for(headers, host)

    connection = Connection(node.hub, node.keys, node.limits, receive, send, close,
                            window if served_window_for is not None else None)
    await connection.run()
