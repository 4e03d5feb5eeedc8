"""SQL for the rollout: registered bundles, the live rollout row and the activation stack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Rollout:
    """What every node serves. ``active_build_id`` None: no explicit choice, newest on disk.
    ``known`` False: this process has not read it yet (database unreachable since it started), so
    which bundle to serve and whether the kill switch is on are unknown."""

    active_build_id: str | None = None
    canary_build_id: str | None = None
    canary_percent: int = 0
    killswitch: bool = False
    revision: int = 0
    known: bool = True


@dataclass(frozen=True)
class RegisteredBundle:
    build_id: str
    registered_at: datetime
    last_activated_at: datetime | None


_ROLLOUT_COLUMNS = "active_build_id, canary_build_id, canary_percent, killswitch, revision"


def _rollout(row: asyncpg.Record) -> Rollout:
    return Rollout(row["active_build_id"], row["canary_build_id"], row["canary_percent"], row["killswitch"],
                   row["revision"])


async def fetch_rollout(conn: asyncpg.Connection | asyncpg.Pool) -> Rollout:
    row = await conn.fetchrow(f"SELECT {_ROLLOUT_COLUMNS} FROM web_rollout")
    return _rollout(row) if row else Rollout()


async def lock_rollout(conn: asyncpg.Connection) -> Rollout:
    """Take the rollout row's lock for the rest of the transaction: mutations serialize here."""
    row = await conn.fetchrow(f"SELECT {_ROLLOUT_COLUMNS} FROM web_rollout FOR UPDATE")
    return _rollout(row)


async def register_bundle(conn: asyncpg.Connection, build_id: str, manifest: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO web_bundles (build_id, manifest) VALUES ($1, $2) ON CONFLICT (build_id) DO NOTHING",
        build_id, manifest,
    )


async def _update(conn: asyncpg.Connection, **values: Any) -> Rollout:
    names = list(values)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=1))
    row = await conn.fetchrow(
        f"UPDATE web_rollout SET {sets}, revision = revision + 1, updated_at = now() RETURNING {_ROLLOUT_COLUMNS}",
        *values.values(),
    )
    return _rollout(row)


async def push_activation(conn: asyncpg.Connection, build_id: str, current: Rollout) -> Rollout:
    await conn.execute("INSERT INTO web_activations (build_id) VALUES ($1)", build_id)
    if current.canary_build_id == build_id:  # promoting the canary ends the canary
        return await _update(conn, active_build_id=build_id, canary_build_id=None, canary_percent=0)
    return await _update(conn, active_build_id=build_id)


async def pop_activation(conn: asyncpg.Connection) -> tuple[str, str] | None:
    """Mark the newest live activation rolled back; return (from, to) or None if nothing is below it."""
    rows = await conn.fetch(
        "SELECT id, build_id FROM web_activations WHERE rolled_back_at IS NULL ORDER BY id DESC LIMIT 2"
    )
    if len(rows) < 2:
        return None
    await conn.execute("UPDATE web_activations SET rolled_back_at = now() WHERE id = $1", rows[0]["id"])
    await _update(conn, active_build_id=rows[1]["build_id"])
    return rows[0]["build_id"], rows[1]["build_id"]


async def set_canary(conn: asyncpg.Connection, build_id: str | None, percent: int) -> Rollout:
    return await _update(conn, canary_build_id=build_id, canary_percent=percent if build_id else 0)


async def set_killswitch(conn: asyncpg.Connection, on: bool) -> Rollout:
    return await _update(conn, killswitch=on)


async def registered_bundles(conn: asyncpg.Connection) -> list[RegisteredBundle]:
    rows = await conn.fetch(
        """
        SELECT b.build_id, b.registered_at, max(a.activated_at) AS last_activated_at
        FROM web_bundles b LEFT JOIN web_activations a USING (build_id)
        GROUP BY b.build_id, b.registered_at ORDER BY b.build_id
        """
    )
    return [RegisteredBundle(r["build_id"], r["registered_at"], r["last_activated_at"]) for r in rows]
