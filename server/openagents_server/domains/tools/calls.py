"""``POST /api/runtime/tools/execute`` for a signed-in caller: the policy in force (a run's, an
autopilot's, else the caller's defaults, cached with their version), then the tools service.

The defaults come from :class:`~openagents_server.domains.tools.recorder.ProfileCache`; the call is
recorded only if the profile is still at the cached version, else the profile is read again and the
call decided again (ADR 0801)."""

from __future__ import annotations

from typing import Any

from openagents_server.domains.autopilots import service as autopilots
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.tools import service
from openagents_server.domains.tools.builtins import ToolContext
from openagents_server.domains.tools.recorder import ProfileCache, Recorder

#: Reads of the profile after a stale cached version before giving up (a profile changing that
#: often under one caller's calls).
ATTEMPTS = 3


async def execute(base: ToolContext, auth: AuthContext, recorder: Recorder | None, profiles: ProfileCache, *,
                  invocation_id: str, tool_name: str, arguments: dict[str, Any], mode: str, replay_of: str | None,
                  run_id: str | None, autopilot_id: str | None) -> dict[str, Any]:
    service.tool(tool_name)  # an unknown tool is 422 before anything is read
    pool = base.pool
    if run_id is not None or autopilot_id is not None:
        rules, topic, owner_id = await autopilots.tool_scope(pool, auth, run_id=run_id, autopilot_id=autopilot_id)
        owner = auth if owner_id == auth.user_id else autopilots.acting_as(owner_id)
        ctx = ToolContext(pool, owner, auth.user_id, base.integrations, base.http_allow, base.lightning)
        run = service.RunRef(run_id, topic) if run_id and topic else None
        return await service.execute(ctx, invocation_id=invocation_id, tool_name=tool_name, arguments=arguments,
                                     mode=mode, rules=rules, run=run, replay_of=replay_of, recorder=recorder)
    for attempt in range(ATTEMPTS):
        cached = profiles.get(auth.user_id) if attempt == 0 else None
        if cached is None:
            read = await autopilots.profile(pool, auth)
            cached = (read["version"], read["tool_policy"])
            profiles.put(auth.user_id, *cached)
        version, rules = cached
        try:
            return await service.execute(base, invocation_id=invocation_id, tool_name=tool_name, arguments=arguments,
                                         mode=mode, rules=rules, replay_of=replay_of, recorder=recorder,
                                         profile_version=version)
        except service.StalePolicy:
            profiles.forget(auth.user_id)
    return await service.execute(base, invocation_id=invocation_id, tool_name=tool_name, arguments=arguments, mode=mode,
                                 rules=(await autopilots.profile(pool, auth))["tool_policy"], replay_of=replay_of)
