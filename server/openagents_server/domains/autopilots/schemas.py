"""Request bodies of the autopilot API: every field bounded, unknown fields refused (422)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from openagents_server.openapi_requests import at_least_one

Name = Annotated[str, Meta(min_length=1, max_length=80)]
Instructions = Annotated[str, Meta(max_length=8000)]
#: ``demo`` (the deterministic demo adapter) or ``openai`` / ``openai:<model>`` (an OpenAI-compatible
#: endpoint with tool calling).
Model = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^(demo|openai(:[A-Za-z0-9._:/-]{1,80})?)$")]
Rule = Literal["allow", "ask", "deny"]
ToolPolicy = Annotated[dict[Annotated[str, Meta(min_length=1, max_length=64)], Rule], Meta(max_length=32)]
#: A stored int4: larger values are refused by validation, not by the database (a 500 before).
Version = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Identifier = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Semver = Annotated[str, Meta(min_length=5, max_length=64)]
Text = Annotated[str, Meta(min_length=1, max_length=8000)]


class SkillPin(Struct, forbid_unknown_fields=True):
    id: Identifier
    version: Semver


Skills = Annotated[list[SkillPin], Meta(max_length=20)]


class CreateAutopilot(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    instructions: Instructions | None = None
    model: Model | None = None
    tool_policy: ToolPolicy | None = None
    skills: Skills = msgspec.field(default_factory=list)
    #: Share with an org you own or administer (its members use it by role); omitted: personal.
    org_id: Identifier | None = None


class PatchAutopilot(Struct, forbid_unknown_fields=True, kw_only=True):
    #: /openapi.json: a patch changes at least one field besides ``version``.
    __openapi_extra__: ClassVar[dict[str, Any]] = at_least_one("name", "instructions", "model", "tool_policy", "skills")
    #: The version you read (or send ``If-Match: "<version>"``); another writer's change first → 409.
    version: Version | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    instructions: Instructions | UnsetType = UNSET
    model: Model | UnsetType = UNSET
    tool_policy: ToolPolicy | UnsetType = UNSET
    skills: Skills | UnsetType = UNSET


class CreateThread(Struct, forbid_unknown_fields=True, kw_only=True):
    title: Annotated[str, Meta(max_length=120)] = ""


class StreamMessage(Struct, forbid_unknown_fields=True, kw_only=True):
    text: Text
    #: The thread to continue; omitted: a new thread titled after the text.
    thread_id: Identifier | None = None
    #: Your id for this message: sending it again answers the first run (idempotent).
    client_run_id: Identifier | None = None


class PatchProfile(Struct, forbid_unknown_fields=True, kw_only=True):
    #: /openapi.json: a patch changes at least one field besides ``version``.
    __openapi_extra__: ClassVar[dict[str, Any]] = at_least_one("model", "instructions", "tool_policy")
    version: Version | UnsetType = UNSET
    model: Model | UnsetType = UNSET
    instructions: Instructions | UnsetType = UNSET
    tool_policy: ToolPolicy | UnsetType = UNSET


class DecideApproval(Struct, forbid_unknown_fields=True, kw_only=True):
    #: ``approve``: the call runs and the run goes on; ``deny``: the call is recorded denied.
    decision: Literal["approve", "deny"]
    note: Annotated[str, Meta(max_length=500)] = ""
