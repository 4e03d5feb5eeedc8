"""Page-level wheels, loaded on demand (ADR 0308): Pygments for chat code blocks, segno for invoice QR codes.

They are in the bundle and its ``pyodide-lock.json`` (URL and sha256) but nothing loads them at boot.
The first page that needs one asks here; the load runs once (single-flight: every caller awaits the same
task), its outcome is kept (``ready`` or ``failed`` with the reason, never retried behind the person's
back), and ``on_change`` asks the shell to draw again, so a view that showed the plain version shows the
rich one. The browser's loader is ``host/packages.py`` (``pyodide.loadPackage`` with the lock entry);
CPython tests use :class:`FakePackageLoader`.

A view calls :func:`want` (like an image that is drawn once it has loaded): ``True`` once the package
imports, otherwise it starts the load and the view draws its plain version for now. Code that can wait
calls ``await ensure_packages("segno")``.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Literal, Protocol

Status = Literal["idle", "loading", "ready", "failed"]

#: Lock (distribution) name → the module it provides. Kept in step with ``build/openagents_build/pins.py``
#: ``LAZY_WHEELS`` (tests/shell/test_lazy_packages.py checks it).
PACKAGES: dict[str, str] = {"pygments": "pygments", "segno": "segno"}


class PackageError(Exception):
    """A page-level package could not be loaded (the reason is kept as the package's error)."""


class PackageLoader(Protocol):
    async def load(self, name: str) -> None:
        """Make ``PACKAGES[name]`` importable; raise if it cannot be."""


class LazyPackages:
    def __init__(self, loader: PackageLoader | None = None, on_change: Callable[[], None] | None = None) -> None:
        self._loader = loader
        self._on_change = on_change
        self._status: dict[str, Status] = {}
        self._errors: dict[str, str] = {}
        self._tasks: dict[str, asyncio.Future[None]] = {}
        self.loads: list[str] = []  # every load started, in order (tests, the debug hook)

    def install(self, loader: PackageLoader, on_change: Callable[[], None] | None = None) -> None:
        self._loader = loader
        self._on_change = on_change

    def status(self, name: str) -> Status:
        return self._status.get(name, "idle")

    def error(self, name: str) -> str | None:
        return self._errors.get(name)

    def snapshot(self) -> dict[str, object]:
        return {"status": {n: self.status(n) for n in PACKAGES}, "errors": dict(self._errors), "loads": list(self.loads)}

    def _start(self, name: str) -> asyncio.Future[None]:
        task = self._tasks.get(name)
        if task is None:
            if name not in PACKAGES:
                raise PackageError(f"{name!r} is not a page-level package of this bundle")
            if self._loader is None:
                raise PackageError("no package loader installed")
            self._status[name] = "loading"
            self.loads.append(name)
            task = self._tasks[name] = asyncio.ensure_future(self._load(name, self._loader))
            task.add_done_callback(_consume)
        return task

    async def _load(self, name: str, loader: PackageLoader) -> None:
        try:
            await loader.load(name)
            importlib.import_module(PACKAGES[name])
        except Exception as exc:
            self._status[name] = "failed"
            self._errors[name] = f"{type(exc).__name__}: {exc}"[:300]
            self._changed()
            raise PackageError(f"{name}: {self._errors[name]}") from exc
        self._status[name] = "ready"
        self._changed()

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    async def ensure(self, *names: str) -> None:
        """Load ``names`` (once each); raise :class:`PackageError` if one cannot be loaded. A caller being
        cancelled (its page closed) does not cancel the load: another page may be waiting on it."""
        for name in names:
            if self.status(name) == "failed":
                raise PackageError(f"{name}: {self._errors.get(name)}")
        tasks = [self._start(n) for n in names if self.status(n) != "ready"]
        for task in tasks:
            await asyncio.shield(task)

    def want(self, name: str) -> bool:
        """``True`` if ``name`` is ready; otherwise start loading it (no-op without a loader, or once it
        failed) and answer ``False``: the caller draws its plain version until ``on_change``."""
        status = self.status(name)
        if status == "ready":
            return True
        if status == "idle" and self._loader is not None:
            self._start(name)
        return False

    def retry(self, name: str) -> None:
        """Forget a failure so the next :meth:`want` or :meth:`ensure` tries again."""
        if self.status(name) == "failed":
            self._status.pop(name)
            self._errors.pop(name, None)
            self._tasks.pop(name, None)


def _consume(task: asyncio.Future[None]) -> None:
    """A load may have no awaiter (a view started it, or its caller was cancelled): read its exception
    so asyncio does not log it; the failure is kept as the package's error state."""
    if not task.cancelled():
        task.exception()


class FakePackageLoader:
    """CPython stand-in for ``pyodide.loadPackage``: the packages are installed already; ``fail`` names
    the ones whose load fails, and ``gate`` (when set) holds every load until the test opens it."""

    def __init__(self, fail: frozenset[str] = frozenset(), gate: asyncio.Event | None = None) -> None:
        self.fail = fail
        self.gate = gate
        self.calls: list[str] = []

    async def load(self, name: str) -> None:
        self.calls.append(name)
        if self.gate is not None:
            await self.gate.wait()
        if name in self.fail:
            raise OSError(f"GET /assets/whl-…/{name}.whl failed (simulated)")


#: The shell's one registry; ``entry.py`` installs the browser's loader and the redraw.
packages = LazyPackages()


def want(name: str) -> bool:
    return packages.want(name)


async def ensure_packages(*names: str) -> None:
    await packages.ensure(*names)
