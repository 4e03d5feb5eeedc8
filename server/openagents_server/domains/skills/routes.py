"""``/api/runtime/skills/*``: tool specs, skill specs, publishing and releases."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter

from openagents_server.dependencies import DbPool
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.skills import service
from openagents_server.domains.skills.responses import (
    SkillRelease,
    SkillSpec,
    SkillSpecList,
    ToolSpec,
    ToolSpecList,
)
from openagents_server.domains.skills.schemas import CreateSkillSpec, CreateToolSpec
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

ABILITY = "*"
MAX_BODY_BYTES = 128 * 1024
SkillId = Annotated[str, Parameter(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
Version = Annotated[str, Parameter(min_length=1, max_length=64)]


class SkillsController(Controller):
    path = "/runtime/skills"
    tags = ("skills",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @get("/tool-specs", responses=ERRORS, summary="Tool specs: the built-in tools and registered ones")
    async def tool_specs(self, pool: DbPool, auth: Auth) -> Response[Data[ToolSpecList]]:
        require(ABILITY, auth)
        async with pool.acquire() as conn:
            return typed(ToolSpecList, {"tool_specs": await service.tool_specs(conn)})

    @post("/tool-specs", status_code=201, responses=ERRORS,
          summary="Register a tool spec (its input_schema must be a valid JSON Schema; ids are unique)")
    async def create_tool_spec(self, pool: DbPool, auth: Auth, data: JSONBody[CreateToolSpec]) -> Response[Data[ToolSpec]]:
        require(ABILITY, auth)
        async with pool.acquire() as conn:
            spec = await service.create_tool_spec(conn, auth, spec_id=data.id, description=data.description,
                                                  input_schema=data.input_schema, risk=data.risk)
        return typed(ToolSpec, spec, status=201)

    @get("/skill-specs", responses=ERRORS, summary="Skill specs, each version with whether it is published")
    async def skill_specs(self, pool: DbPool, auth: Auth) -> Response[Data[SkillSpecList]]:
        require(ABILITY, auth)
        async with pool.acquire() as conn:
            return typed(SkillSpecList, {"skill_specs": await service.skill_specs(conn)})

    @post("/skill-specs", status_code=201, responses=ERRORS,
          summary="Submit a skill spec version (semver; a published version cannot be submitted again)")
    async def create_skill_spec(self, pool: DbPool, auth: Auth, data: JSONBody[CreateSkillSpec]) -> Response[Data[SkillSpec]]:
        require(ABILITY, auth)
        async with pool.acquire() as conn:
            spec = await service.create_skill_spec(conn, auth, spec_id=data.id, version=data.version, name=data.name,
                                                   description=data.description, instructions=data.instructions,
                                                   tools=list(data.tools))
        return typed(SkillSpec, spec, status=201)

    @post("/skill-specs/{skill_id:str}/{version:str}/publish", status_code=201,
          summary="Publish a skill version: immutable from now on; publishing it again answers the release",
          responses={**ERRORS, 200: ResponseSpec(Data[SkillRelease], generate_examples=False,
                                                 description="already published with this content")})
    async def publish(self, pool: DbPool, auth: Auth, skill_id: FromPath[SkillId],
                      version: FromPath[Version]) -> Response[Data[SkillRelease]]:
        require(ABILITY, auth)
        async with pool.acquire() as conn:
            release, created = await service.publish(conn, auth, skill_id, version)
        return typed(SkillRelease, release, status=201 if created else 200)

    @get("/releases/{skill_id:str}/{version:str}", responses=ERRORS, summary="One published skill version")
    async def release(self, pool: DbPool, auth: Auth, skill_id: FromPath[SkillId],
                      version: FromPath[Version]) -> Response[Data[SkillRelease]]:
        require(ABILITY, auth)
        return typed(SkillRelease, await service.release(pool, skill_id, version))
