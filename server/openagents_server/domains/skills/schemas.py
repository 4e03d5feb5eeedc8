"""Request bodies of the skill registry."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

SpecId = Annotated[str, Meta(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
Version = Annotated[str, Meta(min_length=1, max_length=64)]


class CreateToolSpec(Struct, forbid_unknown_fields=True, kw_only=True):
    id: SpecId
    description: Annotated[str, Meta(min_length=1, max_length=1000)]
    #: A JSON Schema (Draft 2020-12) of the tool's arguments.
    input_schema: dict[str, Any]
    #: Why a person might not want an autopilot to use it.
    risk: Annotated[str, Meta(max_length=300)] = ""


class CreateSkillSpec(Struct, forbid_unknown_fields=True, kw_only=True):
    id: SpecId
    #: Semantic version (semver.org 2.0.0), e.g. ``1.2.0`` or ``1.0.0-beta.1``.
    version: Version
    name: Annotated[str, Meta(min_length=1, max_length=80)]
    description: Annotated[str, Meta(max_length=1000)] = ""
    instructions: Annotated[str, Meta(max_length=8000)] = ""
    #: Tool ids (built-in or registered tool specs) the skill uses.
    tools: Annotated[list[SpecId], Meta(max_length=32)] = msgspec.field(default_factory=list)
