"""The ``lightning`` dependency (``LightningKit``) and its lifespan, shared by the payments and L402
domains. One kit per app: built when the app starts, closed when it stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from openagents_server.domains.payments.kit import LightningKit
from openagents_server.errors import Unavailable


class KitHolder:
    """Holds the app's kit between lifespan start and stop (one per app, made by the plugin)."""

    def __init__(self) -> None:
        self.kit: LightningKit | None = None
        self.on_start: list = []

    def get(self) -> LightningKit:
        if self.kit is None:
            raise Unavailable("lightning_not_started", "Payments start with the app.")
        return self.kit

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        # The platform's own singletons (settings, pool), started by AppServices' lifespan before this one.
        settings = app.dependencies["settings"].dependency()
        pool = app.dependencies["pool"].dependency()
        self.kit = LightningKit.from_settings(settings)
        for hook in self.on_start:
            hook(pool, self.kit)
        try:
            yield
        finally:
            await self.kit.close()
            self.kit = None

    def provide(self) -> Provide:
        return Provide(self.get, sync_to_thread=False, use_cache=False)


#: Handler parameter type: ``lightning: Lightning``.
Lightning = NamedDependency[SkipValidation[LightningKit]]
