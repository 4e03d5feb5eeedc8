"""SQL of the skill registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

Conn = asyncpg.Connection | asyncpg.Pool


class ToolSpecRecord(msgspec.Struct, frozen=True):
    """A row of ``tool_specs``."""

    id: str
    owner_user_id: str
    description: str
    input_schema: dict[str, Any]
    risk: str
    created_at: datetime


class SkillSpecRecord(msgspec.Struct, frozen=True):
    """A row of ``skill_specs`` and whether that version is released."""

    id: str
    version: str
    owner_user_id: str
    name: str
    description: str
    instructions: str
    tools: list[str]
    created_at: datetime
    updated_at: datetime
    published: bool


class ReleaseRecord(msgspec.Struct, frozen=True):
    """A row of ``skill_releases``."""

    skill_id: str
    version: str
    owner_user_id: str
    body: dict[str, Any]
    body_hash: str
    published_at: datetime


_TOOL = ", ".join(ToolSpecRecord.__struct_fields__)
_SKILL = ", ".join(f"s.{name}" for name in SkillSpecRecord.__struct_fields__ if name != "published")
_RELEASE = ", ".join(ReleaseRecord.__struct_fields__)


async def insert_tool_spec(conn: Conn, spec_id: str, owner: str, description: str, schema: dict[str, Any],
                           risk: str) -> ToolSpecRecord | None:
    row = await conn.fetchrow(
        f"""INSERT INTO tool_specs (id, owner_user_id, description, input_schema, risk) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT DO NOTHING RETURNING {_TOOL}""", spec_id, owner, description, schema, risk)
    return None if row is None else ToolSpecRecord(*row)


async def tool_specs(conn: Conn, limit: int) -> list[ToolSpecRecord]:
    rows = await conn.fetch(f"SELECT {_TOOL} FROM tool_specs ORDER BY id LIMIT $1", limit)
    return [ToolSpecRecord(*r) for r in rows]


async def tool_specs_by_id(conn: Conn, ids: list[str]) -> list[ToolSpecRecord]:
    rows = await conn.fetch(f"SELECT {_TOOL} FROM tool_specs WHERE id = ANY($1::text[])", ids)
    return [ToolSpecRecord(*r) for r in rows]


async def insert_skill_spec(conn: Conn, spec_id: str, version: str, owner: str, name: str, description: str,
                            instructions: str, tools: list[str]) -> SkillSpecRecord | None:
    row = await conn.fetchrow(
        f"""INSERT INTO skill_specs AS s (id, version, owner_user_id, name, description, instructions, tools)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING {_SKILL}, false AS published""",
        spec_id, version, owner, name, description, instructions, tools)
    return None if row is None else SkillSpecRecord(*row)


async def skill_owner(conn: Conn, spec_id: str) -> str | None:
    return await conn.fetchval("SELECT owner_user_id FROM skill_specs WHERE id = $1 LIMIT 1", spec_id)


async def skill_spec(conn: Conn, spec_id: str, version: str) -> SkillSpecRecord | None:
    row = await conn.fetchrow(
        f"""SELECT {_SKILL}, (r.skill_id IS NOT NULL) AS published FROM skill_specs s
            LEFT JOIN skill_releases r ON r.skill_id = s.id AND r.version = s.version
            WHERE s.id = $1 AND s.version = $2""", spec_id, version)
    return None if row is None else SkillSpecRecord(*row)


async def skill_specs(conn: Conn, limit: int) -> list[SkillSpecRecord]:
    rows = await conn.fetch(
        f"""SELECT {_SKILL}, (r.skill_id IS NOT NULL) AS published FROM skill_specs s
            LEFT JOIN skill_releases r ON r.skill_id = s.id AND r.version = s.version
            ORDER BY s.id, s.created_at LIMIT $1""", limit)
    return [SkillSpecRecord(*r) for r in rows]


async def insert_release(conn: Conn, spec_id: str, version: str, owner: str, body: dict[str, Any],
                         body_hash: str) -> ReleaseRecord | None:
    row = await conn.fetchrow(
        f"""INSERT INTO skill_releases (skill_id, version, owner_user_id, body, body_hash) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT DO NOTHING RETURNING {_RELEASE}""", spec_id, version, owner, body, body_hash)
    return None if row is None else ReleaseRecord(*row)


async def release(conn: Conn, spec_id: str, version: str) -> ReleaseRecord | None:
    row = await conn.fetchrow(f"SELECT {_RELEASE} FROM skill_releases WHERE skill_id = $1 AND version = $2",
                              spec_id, version)
    return None if row is None else ReleaseRecord(*row)
