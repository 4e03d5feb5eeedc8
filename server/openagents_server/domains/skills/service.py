"""The skill registry: tool specs (a validated JSON Schema each), skill specs (one per id and semver
version) and releases. A published version is immutable: publishing it again is idempotent (the
same body), and a spec of a published version cannot be submitted again (409 ``version_published``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import asyncpg
from jsonschema import Draft202012Validator, SchemaError
from openagents_proto.canonical import canonical_json, hash_bytes

from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.skills import repository as repo
from openagents_server.domains.tools.registry import BUILTINS
from openagents_server.errors import Conflict, Forbidden, Invalid, NotFound

#: The official semver 2.0.0 regular expression (semver.org, "Is there a suggested regular expression").
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
LIST_LIMIT = 500


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def check_semver(version: str, field: str = "version") -> str:
    if not SEMVER.match(version):
        raise Invalid("invalid_semver", f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH, semver.org).",
                      field=field)
    return version


def tool_spec_view(row: repo.ToolSpecRecord) -> dict[str, Any]:
    return {"id": row.id, "description": row.description, "input_schema": row.input_schema,
            "risk": row.risk, "builtin": False, "owner_user_id": row.owner_user_id}


def builtin_specs() -> list[dict[str, Any]]:
    return [{"id": t.name, "description": t.description, "input_schema": t.input_schema, "risk": t.risk,
             "builtin": True, "owner_user_id": None} for t in BUILTINS.values()]


def skill_view(row: repo.SkillSpecRecord) -> dict[str, Any]:
    return {"id": row.id, "version": row.version, "name": row.name, "description": row.description,
            "instructions": row.instructions, "tools": row.tools, "owner_user_id": row.owner_user_id,
            "published": bool(row.published), "created_at": _iso(row.created_at)}


def release_view(row: repo.ReleaseRecord, replay: bool = False) -> dict[str, Any]:
    return {"skill_id": row.skill_id, "version": row.version, "body": row.body, "body_hash": row.body_hash,
            "published_at": _iso(row.published_at), "idempotent_replay": replay}


async def create_tool_spec(conn: asyncpg.Connection, auth: AuthContext, *, spec_id: str, description: str,
                           input_schema: dict[str, Any], risk: str) -> dict[str, Any]:
    try:
        Draft202012Validator.check_schema(input_schema)
    except SchemaError as exc:
        path = ".".join(str(p) for p in exc.absolute_path)
        raise Invalid("invalid_json_schema", f"Not a valid JSON Schema: {exc.message[:300]}",
                      field=f"input_schema.{path}" if path else "input_schema") from None
    if spec_id in BUILTINS:
        raise Invalid("duplicate_id", f"{spec_id} is a built-in tool.", field="id")
    row = await repo.insert_tool_spec(conn, spec_id, auth.user_id, description, input_schema, risk)
    if row is None:
        raise Invalid("duplicate_id", f"A tool spec {spec_id} exists already.", field="id")
    return tool_spec_view(row)


async def tool_specs(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return builtin_specs() + [tool_spec_view(r) for r in await repo.tool_specs(conn, LIST_LIMIT)]


async def create_skill_spec(conn: asyncpg.Connection, auth: AuthContext, *, spec_id: str, version: str, name: str,
                            description: str, instructions: str, tools: list[str]) -> dict[str, Any]:
    check_semver(version)
    known = set(BUILTINS) | {r.id for r in await repo.tool_specs_by_id(conn, tools)}
    errors = {f"tools[{i}]": [f"unknown tool {t!r}"] for i, t in enumerate(tools) if t not in known}
    if errors:
        raise Invalid("unknown_tool", "The skill names tools that are not registered.", errors=errors)
    owner = await repo.skill_owner(conn, spec_id)
    if owner is not None and owner != auth.user_id:
        raise Forbidden("skill_owned_by_another", f"The skill id {spec_id} belongs to someone else.", field="id")
    async with conn.transaction():
        if await repo.release(conn, spec_id, version) is not None:
            raise Conflict("version_published", f"{spec_id}@{version} is published and cannot change; "
                           "submit a new version.", field="version")
        row = await repo.insert_skill_spec(conn, spec_id, version, auth.user_id, name, description, instructions, tools)
        if row is None:
            raise Invalid("duplicate_id", f"{spec_id}@{version} exists already; submit a new version.", field="id")
    return skill_view(row)


async def skill_specs(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [skill_view(r) for r in await repo.skill_specs(conn, LIST_LIMIT)]


async def publish(conn: asyncpg.Connection, auth: AuthContext, spec_id: str, version: str) -> tuple[dict[str, Any], bool]:
    """Publish ``spec_id@version``; returns ``(release, created)``. The same body again is idempotent."""
    check_semver(version)
    spec = await repo.skill_spec(conn, spec_id, version)
    if spec is None:
        raise NotFound("skill_spec_not_found", "No such skill spec version.")
    if spec.owner_user_id != auth.user_id:
        raise Forbidden("not_skill_owner", "Only the skill's owner can publish it.")
    schemas = {t.name: t.input_schema for t in BUILTINS.values() if t.name in spec.tools}
    schemas.update({r.id: r.input_schema for r in await repo.tool_specs_by_id(conn, spec.tools)})
    body = {"id": spec_id, "version": version, "name": spec.name, "description": spec.description,
            "instructions": spec.instructions, "tools": spec.tools,
            "tool_schemas": dict(sorted(schemas.items()))}
    body_hash = hash_bytes(canonical_json(body))
    row = await repo.insert_release(conn, spec_id, version, auth.user_id, body, body_hash)
    if row is not None:
        return release_view(row), True
    existing = await repo.release(conn, spec_id, version)
    assert existing is not None
    if existing.body_hash != body_hash:
        raise Conflict("release_immutable", f"{spec_id}@{version} was published with other content.", field="version")
    return release_view(existing, replay=True), False


async def release(conn: asyncpg.Connection | asyncpg.Pool, spec_id: str, version: str) -> dict[str, Any]:
    row = await repo.release(conn, spec_id, version)
    if row is None:
        raise NotFound("release_not_found", "No such published skill version.")
    return release_view(row)


async def check_pins(conn: asyncpg.Connection | asyncpg.Pool, pins: list[dict[str, str]]) -> None:
    """Autopilots pin published versions only (422 at ``skills[i]``)."""
    errors: dict[str, list[str]] = {}
    for i, pin in enumerate(pins):
        if not SEMVER.match(pin["version"]):
            errors[f"skills[{i}].version"] = ["not a semantic version"]
        elif await repo.release(conn, pin["id"], pin["version"]) is None:
            errors[f"skills[{i}]"] = [f"{pin['id']}@{pin['version']} is not published"]
    if errors:
        raise Invalid("unknown_skill_release", "Autopilots pin published skill versions.", errors=errors)


async def released(conn: asyncpg.Connection | asyncpg.Pool, pins: list[dict[str, str]]) -> list[dict[str, str]]:
    """The pinned releases' ids, versions and instructions (for the run's context)."""
    out = []
    for pin in pins:
        row = await repo.release(conn, pin["id"], pin["version"])
        if row is not None:
            out.append({"id": pin["id"], "version": pin["version"], "instructions": row.body["instructions"]})
    return out
