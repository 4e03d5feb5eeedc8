"""The sequential dependency resolver (openagents_server/dependency_resolution.py, ADR 0005)."""

from __future__ import annotations

import inspect

from litestar import Litestar, get
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.di import Provide
from litestar.testing import TestClient
from openagents_server import dependency_resolution


def test_litestar_still_has_the_shape_the_resolver_replaces() -> None:
    # If Litestar renames or re-signs the method, this fails at upgrade time instead of silently
    # dropping back to task groups (or breaking every handler).
    assert list(inspect.signature(dependency_resolution._ORIGINAL).parameters) == ["self", "connection", "kwargs"]
    assert hasattr(KwargsModel, "dependency_batches") or "dependency_batches" in KwargsModel.__slots__


def test_independent_and_nested_dependencies_resolve_and_clean_up_in_order() -> None:
    dependency_resolution.install()
    assert dependency_resolution.installed()
    events: list[str] = []

    async def pool() -> str:
        return "pool"

    def settings() -> str:
        return "settings"

    async def auth(pool: str) -> str:
        return f"auth({pool})"

    async def session() -> object:
        events.append("open")
        yield "session"
        events.append("close")

    @get("/x", sync_to_thread=False)
    def handler(pool: str, settings: str, auth: str, session: str) -> dict[str, str]:
        events.append("handler")
        return {"pool": pool, "settings": settings, "auth": auth, "session": session}

    app = Litestar([handler], dependencies={"pool": Provide(pool), "settings": Provide(settings, sync_to_thread=False),
                                            "auth": Provide(auth), "session": Provide(session)})
    with TestClient(app) as client:
        assert client.get("/x").json() == {"pool": "pool", "settings": "settings", "auth": "auth(pool)",
                                           "session": "session"}
    assert events == ["open", "handler", "close"]


def test_an_error_in_one_dependency_reaches_the_exception_handlers() -> None:
    dependency_resolution.install()

    async def fine() -> int:
        return 1

    async def broken() -> int:
        raise PermissionError("nope")

    @get("/y", sync_to_thread=False)
    def handler(fine: int, broken: int) -> int:
        return fine + broken

    app = Litestar([handler], dependencies={"fine": Provide(fine), "broken": Provide(broken)},
                   exception_handlers={PermissionError: lambda request, exc: __import__("litestar").Response(
                       {"error": str(exc)}, status_code=403)})
    with TestClient(app) as client:
        response = client.get("/y")
    assert response.status_code == 403 and response.json() == {"error": "nope"}
