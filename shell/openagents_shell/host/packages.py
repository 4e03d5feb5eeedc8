"""The browser's loader of page-level wheels (ADR 0308): ``host.loadPackage(name)`` from boot.js, which
is ``pyodide.loadPackage`` with the bundle's lock entry, so the wheel comes from the bundle's
content-hashed URL with its sha256 checked by the browser (``fetch`` integrity), through the service
worker (which keeps it for offline use). A JS error comes back as an exception: the package's error state."""

from __future__ import annotations

import importlib
from typing import Any


class PyodidePackageLoader:
    def __init__(self, host: Any) -> None:
        self._host = host

    async def load(self, name: str) -> None:
        await self._host.loadPackage(name)
        importlib.invalidate_caches()
