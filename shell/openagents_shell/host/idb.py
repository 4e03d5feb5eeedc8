"""IndexedDB over Pyodide: requests and transactions turned into awaitables; values are JSON text."""

from __future__ import annotations

import asyncio
from typing import Any

from js import indexedDB, navigator  # type: ignore[import-not-found]
from pyodide.ffi import create_once_callable, create_proxy  # type: ignore[import-not-found]

from openagents_shell.host.base import StorageError


def _kind(error: Any) -> str:
    name = str(getattr(error, "name", "") or "")
    return {"VersionError": "version", "QuotaExceededError": "quota"}.get(name, "failed")


def _await(request: Any) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()

    def ok(_event: Any) -> None:
        if not future.done():
            future.set_result(request.result)

    def failed(event: Any) -> None:
        if hasattr(event, "preventDefault"):
            event.preventDefault()
        error = request.error
        if not future.done():
            future.set_exception(StorageError(_kind(error), str(getattr(error, "message", error))))

    request.onsuccess = create_once_callable(ok)
    request.onerror = create_once_callable(failed)
    return future


def _done(tx: Any) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_event_loop().create_future()

    def complete(_event: Any) -> None:
        if not future.done():
            future.set_result(None)

    def failed(_event: Any) -> None:
        error = tx.error
        if not future.done():
            future.set_exception(StorageError(_kind(error), str(getattr(error, "message", error))))

    tx.oncomplete = create_once_callable(complete)
    tx.onerror = create_proxy(failed)
    tx.onabort = create_proxy(failed)
    return future


class JsKeyValueDb:
    def __init__(self) -> None:
        self.db: Any = None

    async def open(self, name: str, version: int, stores: tuple[str, ...]) -> int:
        found = [-1]
        try:
            request = indexedDB.open(name, version)
        except Exception as exc:  # noqa: BLE001 - a version below 1, or IndexedDB disabled
            raise StorageError("failed", str(exc)) from None

        def upgrade(event: Any) -> None:
            found[0] = int(event.oldVersion)
            db = request.result
            for existing in list(db.objectStoreNames.to_py()):
                if existing not in stores:
                    db.deleteObjectStore(existing)
            for store in stores:
                if not db.objectStoreNames.contains(store):
                    db.createObjectStore(store)

        request.onupgradeneeded = create_once_callable(upgrade)
        request.onblocked = create_once_callable(lambda _e: None)
        db = await _await(request)
        if found[0] < 0:
            found[0] = version  # no upgrade ran: the database was at our version already
        self.db = db
        db.onversionchange = create_proxy(lambda _e: db.close())  # another tab resets: let it
        return found[0]

    def _tx(self, store: str, mode: str) -> Any:
        if self.db is None:
            raise StorageError("failed", "the database is not open")
        try:
            return self.db.transaction(store, mode)
        except Exception as exc:  # noqa: BLE001 - a deleted store (NotFoundError), a closed database
            missing = getattr(exc, "name", "") == "NotFoundError" or "NotFoundError" in str(exc)
            raise StorageError("missing" if missing else "failed", str(exc)) from None

    async def get_all(self, store: str) -> list[tuple[str, str]]:
        tx = self._tx(store, "readonly")
        objects = tx.objectStore(store)
        # both requests before any await: the transaction commits once the task yields with none pending
        key_request, value_request = _await(objects.getAllKeys()), _await(objects.getAll())
        keys, values = await key_request, await value_request
        return [(str(k), v if isinstance(v, str) else str(v)) for k, v in zip(keys.to_py(), values.to_py(),
                                                                                strict=False)]

    async def put_many(self, store: str, items: list[tuple[str, str]]) -> None:
        tx = self._tx(store, "readwrite")
        objects = tx.objectStore(store)
        for key, value in items:
            objects.put(value, key)
        await _done(tx)

    async def delete_many(self, store: str, keys: list[str]) -> None:
        tx = self._tx(store, "readwrite")
        objects = tx.objectStore(store)
        for key in keys:
            objects.delete(key)
        await _done(tx)

    async def delete_database(self, name: str) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        await _await(indexedDB.deleteDatabase(name))

    async def usage_bytes(self) -> int:
        storage = getattr(navigator, "storage", None)
        if storage is None:
            return 0
        estimate = await storage.estimate()
        return int(getattr(estimate, "usage", 0) or 0)
