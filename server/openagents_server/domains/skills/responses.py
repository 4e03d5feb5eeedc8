"""Response bodies of the skill registry."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class ToolSpec(Struct):
    id: str
    description: str
    input_schema: dict[str, Any]
    risk: str
    builtin: bool
    owner_user_id: str | None


class ToolSpecList(Struct):
    tool_specs: list[ToolSpec]


class SkillSpec(Struct):
    id: str
    version: str
    name: str
    description: str
    instructions: str
    tools: list[str]
    owner_user_id: str
    published: bool
    created_at: str


class SkillSpecList(Struct):
    skill_specs: list[SkillSpec]


class SkillRelease(Struct):
    skill_id: str
    version: str
    body: dict[str, Any]
    body_hash: str
    published_at: str
    idempotent_replay: bool = False
