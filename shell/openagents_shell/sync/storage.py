"""IndexedDB ``openagents.web.sync``: watermarks per (partition, topic) and the latest documents.

A partition is a channel and its person: ``public`` for public topics, ``user:<user id>`` for a
signed-in person's, so the next person on the same browser never reads another's data, and signing
out clears the person's partition. Writes are throttled to one batch per 800 ms and flushed when the
page is hidden or left (``flush``); until then the memory copy is the truth for this page.

Whatever goes wrong with the database — a version from the future, a store deleted under us, a
corrupt record, a quota error — the shell still boots: the database (or the record) is reset, sound
watermarks are kept where they were read, the reason code is kept in ``resets`` for ``/debug`` and
each :class:`Reset` goes to ``on_reset`` (a console warning and a ``storage_reset`` telemetry event,
``sync/telemetry.py``), and the store runs from memory if IndexedDB cannot be used at all. Pure Python over the host's ``KeyValueDb`` (CPython tests use the
fake).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from openagents_shell.host.base import KeyValueDb, StorageError

DB_NAME = "openagents.web.sync"
#: The schema's version; ``MIGRATIONS[n]`` upgrades a database of version ``n`` to ``n + 1``.
SCHEMA_VERSION = 1
STORES = ("meta", "watermarks", "documents", "views")
MIGRATIONS: dict[int, Callable[[KeyValueDb], Awaitable[None]]] = {}
THROTTLE_S = 0.8
SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class Reset:
    """One reset, in the terms of the telemetry contract's ``StorageResetTelemetry``."""

    reason_code: str  # deleted_store, future_version, corrupt_record, quota, failed_migration, open_failed, ...
    stores: tuple[str, ...] = STORES  # all of them: the database was deleted
    watermarks_kept: bool = False
    records_dropped: int = 0
    note: str = ""  # for the console only (may name an exception): never sent

    def telemetry(self) -> dict[str, Any]:
        return {"reason_code": self.reason_code, "stores": list(self.stores), "watermarks_kept": self.watermarks_kept,
                "records_dropped": self.records_dropped}


#: ``StorageError.kind`` at open → the reset's reason code.
OPEN_REASONS = {"version": "future_version", "quota": "quota", "missing": "deleted_store"}


@dataclass
class SyncStore:
    db: KeyValueDb | None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    now: Callable[[], float] = time.monotonic
    on_reset: Callable[[Reset], None] = lambda reset: None
    watermarks: dict[str, dict[str, int]] = field(default_factory=dict)
    documents: dict[str, dict[str, tuple[int, int, Any]]] = field(default_factory=dict)  # pt → doc → (v, w, body)
    views: dict[str, Any] = field(default_factory=dict)  # view state: drafts, scroll, the last signed-in person
    resets: list[str] = field(default_factory=list)  # reason codes, for /debug
    durable: bool = False  # IndexedDB works (else memory only)
    writes: int = 0  # batches written
    _dirty: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # watermarks store key → value/None
    _dirty_docs: dict[str, str | None] = field(default_factory=dict)
    _dirty_views: dict[str, str | None] = field(default_factory=dict)
    _flush_task: asyncio.Task[None] | None = None
    _last_flush: float = -1e9

    # ---- opening ---------------------------------------------------------------------------------
    async def open(self) -> None:
        if self.db is None:
            return
        for attempt in range(2):
            try:
                found = await self.db.open(DB_NAME, SCHEMA_VERSION, STORES)
                for version in range(max(found, 1), SCHEMA_VERSION):
                    await MIGRATIONS[version](self.db)
                await self._load()
                self.durable = True
                if attempt:
                    self._rewrite_memory()  # what was read soundly before the reset goes back in
                return
            except StorageError as exc:
                reason, note = OPEN_REASONS.get(exc.kind, "open_failed"), str(exc)
            except (KeyError, ValueError) as exc:  # a missing migration, an unreadable meta record
                reason, note = "failed_migration", f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - whatever the browser throws, the shell boots
                reason, note = "open_failed", type(exc).__name__
            self._reset(Reset(reason, watermarks_kept=any(self.watermarks.values()), note=note))
            if attempt == 0:
                try:
                    await self.db.delete_database(DB_NAME)
                except Exception:  # noqa: BLE001 - cannot even delete it: memory only
                    break
        self.durable = False  # memory only for this page

    async def _load(self) -> None:
        assert self.db is not None
        bad: list[str] = []
        for key, raw in await self.db.get_all("watermarks"):
            parts = key.split(SEP)
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
            if len(parts) != 2 or not isinstance(value, int) or isinstance(value, bool) or value < 0:
                bad.append(key)
                continue
            self.watermarks.setdefault(parts[0], {})[parts[1]] = value
        bad_docs: list[str] = []
        for key, raw in await self.db.get_all("documents"):
            parts = key.split(SEP)
            try:
                value = json.loads(raw)
                version, watermark, body = int(value["v"]), int(value["w"]), value["b"]
            except (ValueError, KeyError, TypeError):
                bad_docs.append(key)
                continue
            if len(parts) != 3:
                bad_docs.append(key)
                continue
            self.documents.setdefault(parts[0] + SEP + parts[1], {})[parts[2]] = (version, watermark, body)
        await self.db.get_all("meta")  # every store must exist (a store deleted under us fails here)
        for key, raw in await self.db.get_all("views"):
            try:
                self.views[key] = json.loads(raw)
            except ValueError:
                self._dirty_views[key] = None
        if bad or bad_docs:  # the unreadable records go; the sound ones (watermarks too) stay
            stores = tuple(s for s, keys in (("watermarks", bad), ("documents", bad_docs)) if keys)
            self._reset(Reset("corrupt_record", stores, watermarks_kept=True, records_dropped=len(bad) + len(bad_docs)))
            if bad:
                await self.db.delete_many("watermarks", bad)
            if bad_docs:
                await self.db.delete_many("documents", bad_docs)

    def _reset(self, reset: Reset) -> None:
        self.resets.append(reset.reason_code)
        try:
            self.on_reset(reset)
        except Exception as exc:  # noqa: BLE001 - reporting a reset never stops the shell booting
            print(f"storage reset report: {type(exc).__name__}: {exc}")

    def _rewrite_memory(self) -> None:
        """After the database was started again: write what memory holds (sound watermarks, documents)."""
        for pt, topics in self.watermarks.items():
            for topic in topics:
                self._dirty[pt + SEP + topic] = (pt, topic)
        for pt, docs in self.documents.items():
            for key, (version, watermark, body) in docs.items():
                self._dirty_docs[pt + SEP + key] = json.dumps({"v": version, "w": watermark, "b": body},
                                                              separators=(",", ":"))
        self._schedule()

    # ---- watermarks (sync/runtime.WatermarkStore) ----------------------------------------------------
    async def load(self, partition: str) -> dict[str, int]:
        return dict(self.watermarks.get(partition, {}))

    async def save(self, partition: str, topic: str, watermark: int) -> None:
        self.watermarks.setdefault(partition, {})[topic] = watermark
        self._dirty[partition + SEP + topic] = (partition, topic)
        self._schedule()

    async def forget(self, partition: str, topic: str) -> None:
        self.watermarks.get(partition, {}).pop(topic, None)
        self._dirty[partition + SEP + topic] = None
        for key in list(self.documents.get(partition + SEP + topic, {})):
            self._dirty_docs[partition + SEP + topic + SEP + key] = None
        self.documents.pop(partition + SEP + topic, None)
        self._schedule()

    # ---- documents (the latest version of each doc_key, so lists show offline) ---------------------
    async def put_document(self, partition: str, topic: str, doc_key: str, version: int, watermark: int,
                           body: Any) -> None:
        self.documents.setdefault(partition + SEP + topic, {})[doc_key] = (version, watermark, body)
        self._dirty_docs[partition + SEP + topic + SEP + doc_key] = json.dumps(
            {"v": version, "w": watermark, "b": body}, separators=(",", ":"))
        self._schedule()

    def documents_of(self, partition: str, topic: str) -> list[tuple[str, int, int, Any]]:
        """``(doc_key, version, watermark, body)`` in watermark order."""
        docs = self.documents.get(partition + SEP + topic, {})
        return sorted(((k, v, w, b) for k, (v, w, b) in docs.items()), key=lambda d: d[2])

    # ---- view state ----------------------------------------------------------------------------------
    def view(self, key: str) -> Any:
        return self.views.get(key)

    async def put_view(self, key: str, value: Any) -> None:
        """``None`` deletes it."""
        if value is None:
            self.views.pop(key, None)
            self._dirty_views[key] = None
        else:
            self.views[key] = value
            self._dirty_views[key] = json.dumps(value, separators=(",", ":"))
        self._schedule()

    # ---- partitions --------------------------------------------------------------------------------
    async def clear_partition(self, partition: str) -> None:
        """Sign-out: this person's watermarks and documents leave the browser."""
        for topic in list(self.watermarks.get(partition, {})):
            self._dirty[partition + SEP + topic] = None
        self.watermarks.pop(partition, None)
        for pt in [pt for pt in self.documents if pt.split(SEP)[0] == partition]:
            for key in self.documents.pop(pt):
                self._dirty_docs[pt + SEP + key] = None
        await self.flush()

    async def reset_all(self) -> None:
        """``/debug``'s "reset local data": the database is deleted and created again, empty."""
        self.watermarks.clear()
        self.documents.clear()
        self.views.clear()
        self._dirty.clear()
        self._dirty_docs.clear()
        self._dirty_views.clear()
        if self.db is not None:
            try:
                await self.db.delete_database(DB_NAME)
            except StorageError:
                pass
        self._reset(Reset("user_reset"))
        await self.open()

    # ---- writing -----------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self.durable or (self._flush_task is not None and not self._flush_task.done()):
            return

        async def later() -> None:
            wait = self._last_flush + THROTTLE_S - self.now()
            if wait > 0:
                await self.sleep(wait)
            await self.flush()

        self._flush_task = asyncio.ensure_future(later())

    async def flush(self) -> None:
        """Write what changed (at once: the page is being hidden or left, or the throttle elapsed)."""
        if not self.durable or self.db is None or not (self._dirty or self._dirty_docs or self._dirty_views):
            return
        dirty, self._dirty = self._dirty, {}
        docs, self._dirty_docs = self._dirty_docs, {}
        views, self._dirty_views = self._dirty_views, {}
        self._last_flush = self.now()
        puts = [(k, json.dumps(self.watermarks.get(pt[0], {}).get(pt[1], 0))) for k, pt in dirty.items() if pt]
        deletes = [k for k, pt in dirty.items() if pt is None]
        try:
            if puts:
                await self.db.put_many("watermarks", puts)
            if deletes:
                await self.db.delete_many("watermarks", deletes)
            doc_puts = [(k, v) for k, v in docs.items() if v is not None]
            doc_deletes = [k for k, v in docs.items() if v is None]
            if doc_puts:
                await self.db.put_many("documents", doc_puts)
            if doc_deletes:
                await self.db.delete_many("documents", doc_deletes)
            if [v for v in views.values() if v is not None]:
                await self.db.put_many("views", [(k, v) for k, v in views.items() if v is not None])
            if [k for k, v in views.items() if v is None]:
                await self.db.delete_many("views", [k for k, v in views.items() if v is None])
            self.writes += 1
        except Exception as exc:  # noqa: BLE001 - StorageError, or whatever the browser throws
            # quota or a database gone bad: start it again empty; memory stays the truth for this page
            quota = getattr(exc, "kind", "") == "quota"
            self._reset(Reset("quota" if quota else "write_failed", watermarks_kept=True, note=str(exc)))
            try:
                await self.db.delete_database(DB_NAME)
                await self.db.open(DB_NAME, SCHEMA_VERSION, STORES)
                for pt, topics in self.watermarks.items():  # sound watermarks are kept
                    for topic in topics:
                        self._dirty[pt + SEP + topic] = (pt, topic)
            except Exception:  # noqa: BLE001
                self.durable = False

    async def usage_bytes(self) -> int:
        if self.db is None or not self.durable:
            return 0
        try:
            return await self.db.usage_bytes()
        except StorageError:
            return 0
