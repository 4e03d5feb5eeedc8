"""``navigator.sendBeacon`` with a JSON body (the client telemetry's page-hide flush)."""

from __future__ import annotations

from js import Blob, Object, Uint8Array, navigator  # type: ignore[import-not-found]
from pyodide.ffi import JsException, to_js  # type: ignore[import-not-found]


class JsBeacon:
    def send(self, url: str, body: bytes) -> bool:
        try:
            blob = Blob.new(to_js([Uint8Array.new(to_js(body))]),
                            to_js({"type": "application/json"}, dict_converter=Object.fromEntries))
            return bool(navigator.sendBeacon(url, blob))
        except JsException:
            return False
