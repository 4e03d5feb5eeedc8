"""``POST /api/runtime/tools/execute``: thin; the tools service decides, runs and receipts."""

from __future__ import annotations

from litestar import Controller, Response, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from openagents_server.dependencies import AppSettings, DbPool
from openagents_server.domains.autopilots.routes import RunnerDep
from openagents_server.domains.identity.authentication import Auth, require
from openagents_server.domains.integrations.routes._deps import Kit
from openagents_server.domains.payments.deps import Lightning
from openagents_server.domains.tools import calls
from openagents_server.domains.tools.builtins import ToolContext
from openagents_server.domains.tools.responses import ToolInvocation
from openagents_server.domains.tools.schemas import ExecuteTool
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

ABILITY = "*"
MAX_BODY_BYTES = 64 * 1024


class ToolsController(Controller):
    path = "/runtime/tools"
    tags = ("tools",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @post("/execute", status_code=200,
          summary="Call a tool: schema-checked arguments, a policy decision, then live, replay or dry_run; "
                  "answers the decision, the outcome and its receipt",
          responses={**ERRORS, 200: ResponseSpec(Data[ToolInvocation], generate_examples=False,
                                                 description="decided (and run when allowed and live); "
                                                             "idempotent_replay when the id was used before")})
    async def execute(self, pool: DbPool, settings: AppSettings, integrations: Kit, lightning: Lightning,
                      autopilot_runner: RunnerDep, auth: Auth,
                      data: JSONBody[ExecuteTool]) -> Response[Data[ToolInvocation]]:
        require(ABILITY, auth)
        runner = autopilot_runner.bind(pool, settings, integrations, lightning)
        assert runner.config is not None
        base = ToolContext(pool, auth, auth.user_id, integrations, runner.config.http_allow, lightning)
        answer = await calls.execute(base, auth, runner.recorder, runner.profiles, invocation_id=data.invocation_id,
                                     tool_name=data.tool, arguments=data.arguments, mode=data.mode,
                                     replay_of=data.replay_of, run_id=data.run_id, autopilot_id=data.autopilot_id)
        return typed(ToolInvocation, answer)
