"""Resolve a handler's independent dependencies one after another instead of in an anyio task group.

Litestar resolves each "batch" of independent dependencies concurrently in a task group
(``KwargsModel.resolve_dependencies``). Nearly every endpoint here has two or more independent
dependencies (``pool`` plus ``auth``, often ``settings`` …), all of them cheap lookups of
process-wide objects, and ``auth`` almost always a cache hit. The task group then costs more than
the dependencies themselves: two task creations, a suspension and extra event-loop turns. Measured
in-process (CPU time per request, one credential, cache on): ``GET /api/tokens`` 329 → 249 µs, and
``/api/me`` with a second dependency 170 → 48 µs. Upstream knows (litestar-org/litestar#4563, open);
this module replaces the method with a sequential loop until Litestar ships a fix.

Sequential resolution changes no result: dependencies of one batch are independent by construction,
the cleanup group and per-request cache behave the same, and the first error still propagates. The
only loss is overlap between two dependencies that both wait on I/O, which ours never do at once.
``tests/foundation/test_dependency_resolution.py`` fails if Litestar's shape changes under us.
See docs/adr/0005-sequential-dependency-resolution.md.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection

_ORIGINAL = KwargsModel.resolve_dependencies


async def resolve_sequentially(self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any],
                               kwargs: dict[str, Any]) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def install() -> None:
    """Idempotent; called by ``create_app`` before any route is built."""
    KwargsModel.resolve_dependencies = resolve_sequentially  # type: ignore[method-assign]


def installed() -> bool:
    return KwargsModel.resolve_dependencies is resolve_sequentially
