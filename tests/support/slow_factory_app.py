"""A granian ``--factory`` target whose factory takes a while, as the real app's does on a loaded
machine; used to stop granian while its worker is still building the app (test_worker_signals.py)."""

from __future__ import annotations

import os
import time
from typing import Any

from openagents_server.worker_signals import hold_early_stop_signals, redeliver_early_stop_signal


def create() -> Any:
    if os.environ.get("SLOW_FACTORY_HOLD") == "1":
        hold_early_stop_signals()
    marker = os.environ["SLOW_FACTORY_MARKER"]
    open(marker, "w").close()  # tells the test the factory is running
    time.sleep(float(os.environ.get("SLOW_FACTORY_SECONDS", "3")))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    redeliver_early_stop_signal()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        else:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    return app
