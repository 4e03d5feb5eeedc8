"""WebSockets over Pyodide's ``js.WebSocket`` (binary frames as ``ArrayBuffer``), to this origin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from js import Uint8Array, WebSocket, location  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]


class JsSocket:
    def __init__(self, ws: Any, proxies: list[Any]) -> None:
        self.ws = ws
        self._proxies = proxies

    def send(self, data: bytes) -> None:
        if int(self.ws.readyState) == 1:  # OPEN; a frame sent while closing is dropped (the close follows)
            self.ws.send(to_js(memoryview(data)))

    def close(self, code: int = 1000, reason: str = "") -> None:
        if int(self.ws.readyState) < 2:
            self.ws.close(code, reason)

    def release(self) -> None:
        for proxy in self._proxies:
            proxy.destroy()
        self._proxies.clear()


class JsSockets:
    def connect(self, path: str, protocol: str, on_open: Callable[[], None], on_message: Callable[[bytes], None],
                on_close: Callable[[int, str], None]) -> JsSocket:
        scheme = "wss:" if str(location.protocol) == "https:" else "ws:"
        ws = WebSocket.new(f"{scheme}//{location.host}{path}", protocol)
        ws.binaryType = "arraybuffer"
        proxies: list[Any] = []
        socket = JsSocket(ws, proxies)

        def closed(event: Any) -> None:
            socket.release()
            on_close(int(event.code), str(event.reason))

        for name, fn in (("onopen", lambda _e: on_open()),
                         ("onmessage", lambda e: on_message(bytes(Uint8Array.new(e.data).to_py()))),
                         ("onclose", closed)):
            proxy = create_proxy(fn)
            proxies.append(proxy)
            setattr(ws, name, proxy)
        return socket
