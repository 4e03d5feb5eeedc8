"""Rollout operations (used by ``openagents bundle …``): validate against the bundles on this
node's disk, write the rollout in one transaction, audit it. Nodes pick the change up within the
rollout cache's TTL (~1 s) with no restart."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from openagents_server.audit import audit
from openagents_server.web import repository as repo
from openagents_server.web.bundles import BundleStore, LocalBundle
from openagents_server.web.repository import Rollout


class RolloutError(Exception):
    """An operation that cannot be done, with a message for the operator."""


@dataclass(frozen=True)
class BundleRow:
    build_id: str
    on_disk: bool
    registered: bool
    active: bool
    canary: bool
    size_bytes: int
    br_bytes: int
    problem: str | None = None  # on disk but not servable (see BundleStore.problems)


class RolloutService:
    """``actor``: who acts, for the audit trail — ``{"user_id", "session_id", "by", "reason"}`` from the
    admin console; absent at the command line (the operator's shell is the record)."""

    def __init__(self, conn: asyncpg.Connection, store: BundleStore, actor: dict[str, str | None] | None = None) -> None:
        self.conn = conn
        self.store = store
        self.actor = actor or {}

    async def _audit(self, event: str, attributes: dict[str, object] | None = None) -> None:
        extra = {k: v for k, v in self.actor.items() if k in ("by", "reason")}
        await audit(self.conn, event, user_id=self.actor.get("user_id"), session_id=self.actor.get("session_id"),
                    attributes={**(attributes or {}), **extra})

    def _resolve(self, build_id: str) -> LocalBundle:
        matches = self.store.resolve(build_id)
        if not matches:
            damaged = sorted(b for b in self.store.problems if b.startswith(build_id))
            if len(damaged) == 1:
                raise RolloutError(f"bundle {damaged[0]} in {self.store.root} cannot be served: "
                                   f"{self.store.problems[damaged[0]]} (a copy still in progress, or edited after "
                                   "the build: copy it again or rebuild it)")
            known = ", ".join(sorted(self.store.bundles())) or "none"
            raise RolloutError(f"no bundle {build_id!r} in {self.store.root} (bundles here: {known})")
        if len(matches) > 1:
            raise RolloutError(f"{build_id!r} is ambiguous: {', '.join(matches)}")
        bundle = self.store.get(matches[0])
        assert bundle is not None
        return bundle

    async def state(self) -> Rollout:
        return await repo.fetch_rollout(self.conn)

    async def activate(self, build_id: str) -> tuple[Rollout, str | None]:
        bundle = self._resolve(build_id)
        async with self.conn.transaction():
            current = await repo.lock_rollout(self.conn)
            if current.active_build_id == bundle.build_id:
                return current, current.active_build_id
            await repo.register_bundle(self.conn, bundle.build_id, bundle.manifest_dict)
            rollout = await repo.push_activation(self.conn, bundle.build_id, current)
            await self._audit("web.bundle.activated",
                              {"build_id": bundle.build_id, "previous": current.active_build_id})
        return rollout, current.active_build_id

    async def rollback(self) -> tuple[str, str]:
        async with self.conn.transaction():
            await repo.lock_rollout(self.conn)
            moved = await repo.pop_activation(self.conn)
            if moved is None:
                raise RolloutError("nothing to roll back to: fewer than two activations on record")
            if self.store.get(moved[1]) is None:
                raise RolloutError(f"cannot roll back to {moved[1]}: it is not on this node's disk")
            await self._audit("web.bundle.rolled_back", {"from": moved[0], "to": moved[1]})
        return moved

    async def canary(self, build_id: str, percent: int) -> Rollout:
        if not 1 <= percent <= 100:
            raise RolloutError("the canary percentage must be between 1 and 100")
        bundle = self._resolve(build_id)
        async with self.conn.transaction():
            current = await repo.lock_rollout(self.conn)
            if current.active_build_id == bundle.build_id:
                raise RolloutError(f"{bundle.build_id} is already the active bundle")
            await repo.register_bundle(self.conn, bundle.build_id, bundle.manifest_dict)
            rollout = await repo.set_canary(self.conn, bundle.build_id, percent)
            await self._audit("web.bundle.canary", {"build_id": bundle.build_id, "percent": percent})
        return rollout

    async def clear_canary(self) -> Rollout:
        async with self.conn.transaction():
            await repo.lock_rollout(self.conn)
            rollout = await repo.set_canary(self.conn, None, 0)
            await self._audit("web.bundle.canary_cleared")
        return rollout

    async def killswitch(self, on: bool) -> Rollout:
        async with self.conn.transaction():
            await repo.lock_rollout(self.conn)
            rollout = await repo.set_killswitch(self.conn, on)
            await self._audit("web.service_worker.killswitch", {"on": on})
        return rollout

    async def rows(self) -> list[BundleRow]:
        rollout = await self.state()
        registered = {b.build_id for b in await repo.registered_bundles(self.conn)}
        self.store.rescan()
        local = self.store.bundles()
        effective_active = rollout.active_build_id or (max(local) if local else None)
        out = []
        for build_id in sorted(set(local) | registered | set(self.store.problems)):
            bundle = local.get(build_id)
            out.append(BundleRow(
                build_id=build_id,
                on_disk=bundle is not None,
                registered=build_id in registered,
                active=build_id == effective_active,
                canary=build_id == rollout.canary_build_id,
                size_bytes=sum(a.size for a in bundle.manifest.assets) if bundle else 0,
                br_bytes=sum(a.br for a in bundle.manifest.assets) if bundle else 0,
                problem=self.store.problems.get(build_id),
            ))
        return out
