"""An async effect runner: tasks belong to the page that started them, and a navigation cancels them.

The reducer stays pure; an effect that needs I/O (an API request, a timer) is handed here as a
coroutine factory together with the path it belongs to (``None``: app-wide, never cancelled by a
navigation). When the page changes, every task of the old page is cancelled, so a slow answer can
never land on a page it was not meant for; the result intent a task returns is dispatched only if
the task is still current.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Dispatch = Callable[[Any], None]


class EffectRunner:
    def __init__(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        self._page: str | None = None
        self._tasks: dict[asyncio.Task[Any], str | None] = {}

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def navigated(self, path: str) -> None:
        """The current page is now ``path``: cancel the tasks of every other page."""
        self._page = path
        for task, scope in list(self._tasks.items()):
            if scope is not None and scope != path:
                task.cancel()
                del self._tasks[task]

    def spawn(self, work: Callable[[], Awaitable[Any]], *, scope: str | None) -> asyncio.Task[Any]:
        """Run ``work()``; the intent it returns (if not ``None``) is dispatched while still current."""

        async def run() -> None:
            result = await work()
            if task in self._tasks:
                del self._tasks[task]
                if result is not None:
                    self._dispatch(result)

        task = asyncio.ensure_future(run())
        self._tasks[task] = scope
        task.add_done_callback(lambda t: self._tasks.pop(t, None))
        return task

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()
