"""The body of ``POST /api/runtime/tools/execute``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

InvocationId = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]


class ExecuteTool(Struct, forbid_unknown_fields=True, kw_only=True):
    #: Your id for this call: the same id again answers the first call (the tool runs once).
    invocation_id: InvocationId
    tool: Annotated[str, Meta(min_length=1, max_length=64)]
    arguments: dict[str, Any] = msgspec.field(default_factory=dict)
    #: ``live`` runs the tool; ``replay`` answers the recorded outcome of ``replay_of`` (no effect);
    #: ``dry_run`` only decides.
    mode: Literal["live", "replay", "dry_run"] = "live"
    replay_of: InvocationId | None = None
    #: The autopilot run this call belongs to (its policy applies; the result joins its events).
    run_id: InvocationId | None = None
    #: Without a run: this autopilot's policy. Without either: your defaults (/api/settings/autopilot).
    autopilot_id: InvocationId | None = None
