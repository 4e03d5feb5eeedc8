"""``fetch`` over Pyodide's ``js.fetch`` (same-origin credentials) and a clock (sleep, random, ids).

Imported after the first frame (the API client needs msgspec, loaded then), never at boot.
"""

from __future__ import annotations

import asyncio
from typing import Any

from js import Object, Uint8Array, crypto, fetch, window  # type: ignore[import-not-found]
from pyodide.ffi import JsException, to_js  # type: ignore[import-not-found]

from openagents_shell.host.base import HttpResponse, NetworkError


class JsFetch:
    def __init__(self, *, keepalive: bool = False) -> None:
        #: ``keepalive``: a request under way outlives the page (client telemetry: a flush the page left during)
        self.keepalive = keepalive

    async def fetch(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> HttpResponse:
        init: dict[str, Any] = {"method": method, "headers": headers, "credentials": "same-origin"}
        if self.keepalive:
            init["keepalive"] = True
        if body is not None:
            init["body"] = Uint8Array.new(to_js(body))
        try:
            # boot.js's bridge when it is there: the client build header, skew detection, the 426 gate,
            # and the host's online state (an answer after an outage is what says "online" again)
            bridge = getattr(window, "oaHost", None)
            send = bridge.fetch if bridge is not None else fetch
            response = await send(url, to_js(init, dict_converter=Object.fromEntries))
            data = await response.arrayBuffer()
        except JsException as exc:  # fetch rejects only when no HTTP answer came
            raise NetworkError(str(exc)) from exc
        names: dict[str, str] = {}
        for pair in response.headers.entries():
            names[str(pair[0]).lower()] = str(pair[1])
        return HttpResponse(int(response.status), names, bytes(data.to_py()))


class JsClock:
    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def random(self) -> float:
        buf = Uint8Array.new(4)
        crypto.getRandomValues(buf)
        return int.from_bytes(bytes(buf.to_py()), "big") / 2**32

    def token(self) -> str:
        return str(crypto.randomUUID())
