"""Executes autopilot runs in the control process, through a step adapter (``adapters.py``): build
the context, ask the adapter, run each tool call through the tools service (policy, receipt, the
result on the run's topic), repeat until the adapter answers in text, then record the reply, the
run's receipt and ``run.finished``. ADR 0800 says why runs execute here and not on a remote worker.

One task per run; the runner cancels them at shutdown and their runs are recorded ``failed``
(``interrupted``) on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from litestar import Litestar
from openagents_proto.canonical import canonical_json, hash_bytes

from openagents_server.domains.autopilots import context as context_builder
from openagents_server.domains.autopilots import events
from openagents_server.domains.autopilots import repository as repo
from openagents_server.domains.autopilots.adapters import (
    DemoStepAdapter,
    OpenAIStepAdapter,
    StepAdapter,
    ToolCall,
    ToolOutcome,
)
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.integrations.kit import IntegrationKit
from openagents_server.domains.payments.kit import LightningKit
from openagents_server.domains.runtime.worker.adapters import AdapterError
from openagents_server.domains.skills import service as skills
from openagents_server.domains.tools import service as tools
from openagents_server.domains.tools.builtins import ToolContext
from openagents_server.domains.tools.recorder import ProfileCache, Recorder
from openagents_server.domains.tools.ssrf import AllowList
from openagents_server.errors import DomainError
from openagents_server.khala import log
from openagents_server.settings import Settings

SCHEMA = "openagents.autopilot_run_receipt.v1"
#: A run asks its adapter at most this many times (a loop of tool calls ends as ``loop_detected``).
MAX_STEPS = 6
LEASE_SECONDS = 60.0
HEARTBEAT_SECONDS = 10.0
SWEEP_SECONDS = 30.0
_log = structlog.get_logger("openagents.autopilots")


@dataclass
class RunnerConfig:
    http_allow: AllowList
    openai_url: str = ""
    openai_key: str = ""
    openai_model: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> RunnerConfig:
        return cls(AllowList.parse(settings.tools_http_allow), settings.autopilot_openai_url,
                   settings.autopilot_openai_key, settings.autopilot_openai_model)


@dataclass
class Runner:
    """Long-lived (one per app): the pool and kit are bound on first use."""

    config: RunnerConfig | None = None
    pool: asyncpg.Pool | None = None
    integrations: IntegrationKit | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    #: Group commit of decided tool calls and the default policies with their versions (tools/recorder.py).
    recorder: Recorder | None = None
    lightning: LightningKit | None = None
    profiles: ProfileCache = field(default_factory=ProfileCache)

    #: A run is ``running`` in some process only while that process renews its lease (heartbeat_at)
    #: every ``heartbeat_seconds``; one whose lease is older than ``lease_seconds`` was left by a
    #: crashed process and is swept ``failed`` (``abandoned``) at startup and every ``sweep_seconds``.
    lease_seconds: float = LEASE_SECONDS
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    sweep_seconds: float = SWEEP_SECONDS
    maintenance: asyncio.Task[None] | None = None

    def bind(self, pool: asyncpg.Pool, settings: Settings, integrations: IntegrationKit | None,
             lightning: LightningKit | None = None) -> Runner:
        if self.pool is None:
            self.pool = pool
            self.config = RunnerConfig.from_settings(settings)
            self.recorder = Recorder(pool)
        if self.integrations is None:
            self.integrations = integrations
        if lightning is not None:  # the app's current kit (a new one per lifespan)
            self.lightning = lightning
        return self

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Sweep what a crashed process left, then renew this process's leases and sweep periodically."""
        self.bind(app.dependencies["pool"].dependency(), app.dependencies["settings"].dependency(), None)
        try:
            await self.sweep()
        except Exception:  # noqa: BLE001 - a failed sweep must not stop the app; the next one retries
            _log.exception("autopilot_sweep_failed")
        self.maintenance = asyncio.create_task(self._maintain(), name="autopilot-leases")
        try:
            yield
        finally:
            self.maintenance.cancel()
            with contextlib.suppress(BaseException):
                await self.maintenance
            self.maintenance = None

    async def _maintain(self) -> None:
        assert self.pool is not None
        loop = asyncio.get_running_loop()
        swept_at = loop.time()
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                held = [t.get_name() for t in self.tasks]
                if held:
                    await repo.heartbeat(self.pool, held)
                if loop.time() - swept_at >= self.sweep_seconds:
                    swept_at = loop.time()
                    await self.sweep()
            except Exception:  # noqa: BLE001 - retried at the next beat
                _log.exception("autopilot_lease_maintenance_failed")

    async def sweep(self) -> list[str]:
        """Mark ``failed`` (``abandoned``) each open run whose lease expired and that no task here holds,
        with ``run.finished`` on its topic; returns their ids."""
        assert self.pool is not None
        swept = []
        held = [t.get_name() for t in self.tasks]
        for run_id in await repo.abandoned_runs(self.pool, self.lease_seconds, held):
            async with log.unit_of_work(self.pool) as conn:
                run = await repo.claim_abandoned(conn, run_id, self.lease_seconds)
                if run is None:  # renewed or finished meanwhile, or another process is sweeping it
                    continue
                await self._finish_on(conn, run_id, "failed", "abandoned", None,
                                      message=f"The process running this run stopped answering (no heartbeat for "
                                              f"over {self.lease_seconds:.0f} s).")
            swept.append(run_id)
        if swept:
            _log.warning("autopilot_runs_swept", runs=swept)
        return swept

    def tool_context(self, owner_id: str, caller_id: str) -> ToolContext:
        assert self.pool is not None and self.config is not None
        owner = AuthContext(user_id=owner_id, email="", name=None, kind="session")
        return ToolContext(self.pool, owner, caller_id, self.integrations, self.config.http_allow, self.lightning)

    def adapter(self, model: str) -> StepAdapter:
        assert self.config is not None
        kind, _, name = model.partition(":")
        if kind == "openai":
            return OpenAIStepAdapter(self.config.openai_url, self.config.openai_key, name or self.config.openai_model)
        return DemoStepAdapter()

    def start(self, run_id: str) -> asyncio.Task[None]:
        task = asyncio.create_task(self.execute(run_id), name=run_id)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def close(self) -> None:
        """Cancel the runs in flight and record them ``failed`` (``interrupted``) so no page waits on them."""
        running = list(self.tasks)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(BaseException):
                await task
            with contextlib.suppress(Exception):
                await self._finish(task.get_name(), "failed", "interrupted", None,
                                   message="The server stopped while this run was in progress.")

    async def execute(self, run_id: str) -> None:
        """Run (or, after its approvals were decided, resume) one run until it replies, pauses or fails."""
        assert self.pool is not None
        pool = self.pool
        try:
            async with pool.acquire() as conn:
                run = await repo.run(conn, run_id)
                assert run is not None
                autopilot = await repo.get(conn, run.autopilot_id)
                assert autopilot is not None
                history = [(m.role, m.content) for m in await repo.messages(conn, run.thread_id)
                           if m.role in ("user", "assistant")]
                pinned = await skills.released(conn, autopilot.skills)
            ctx = context_builder.build(name=autopilot.name, instructions=autopilot.instructions,
                                        policy=autopilot.tool_policy, history=history, skills=pinned)
            resuming = run.status != "created"
            if not resuming:
                async with log.unit_of_work(pool) as conn:
                    await repo.set_run(conn, run_id, "running", context_hash=ctx.context_hash)
                    await events.append(conn, run_id, "run.started", {
                        "run_id": run_id, "context_hash": ctx.context_hash, "tokens": ctx.tokens,
                        "budget": ctx.budget, "dropped_messages": ctx.dropped_messages,
                        "dropped_tokens": ctx.dropped_tokens, "tools": [t["name"] for t in ctx.tools]})
            adapter = self.adapter(autopilot.model)
            tool_ctx = self.tool_context(autopilot.owner_user_id, run.user_id)
            outcomes: list[ToolOutcome] = []
            if resuming:
                await self._apply_decisions(tool_ctx, run_id, autopilot.tool_policy)
                outcomes = await recorded_outcomes(pool, run_id)
            for _ in range(MAX_STEPS - len(outcomes)):
                step = await adapter.step(ctx, outcomes)
                if not step.tool_calls:
                    await self._reply(run, step.text)
                    await self._finish(run_id, "succeeded", "completed", ctx.context_hash)
                    return
                waiting = []
                for call in step.tool_calls:
                    outcome = await self._call(tool_ctx, run_id, call, autopilot.tool_policy)
                    outcomes.append(outcome)
                    if outcome.status == "needs_approval":
                        waiting.append(outcome)
                if waiting:
                    await self._pause(run, autopilot.owner_user_id, waiting)
                    return
            await self._finish(run_id, "failed", "loop_detected.no_progress", ctx.context_hash)
        except AdapterError as exc:
            _log.info("autopilot_run_adapter_failed", run_id=run_id, code=exc.code, error=str(exc))
            await self._finish(run_id, "failed", exc.code, None, message=str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a run's failure is recorded on the run, never fatal
            _log.exception("autopilot_run_failed", run_id=run_id)
            await self._finish(run_id, "failed", "internal_error", None, message=str(exc)[:300])

    async def _pause(self, run: repo.RunRecord, owner_id: str, waiting: list[ToolOutcome]) -> None:
        """The run waits (status ``waiting``, no task holds it) until its owner decides each call."""
        assert self.pool is not None
        async with log.unit_of_work(self.pool) as conn:
            await repo.set_run(conn, run.id, "waiting")
            for outcome in waiting:
                invocation_id = f"{run.id}.{outcome.call.call_id}"
                approval = await repo.insert_approval(conn, new_approval_id(), run, owner_id, outcome.call.call_id,
                                                      invocation_id, outcome.call.name, outcome.call.arguments)
                await events.append(conn, run.id, "approval.requested", {
                    "run_id": run.id, "approval_id": approval.id, "invocation_id": invocation_id,
                    "call_id": outcome.call.call_id, "tool": outcome.call.name, "arguments": outcome.call.arguments,
                    "reason_code": outcome.reason_code}, key=f"approval:{approval.id}")

    async def _apply_decisions(self, tool_ctx: ToolContext, run_id: str, policy: dict[str, str]) -> None:
        """Each decided approval's call, run (approved) or recorded denied, under its own invocation id
        (``<call invocation>~approved`` / ``~denied``; idempotent, so a resumed resume repeats nothing)."""
        assert self.pool is not None
        for approval in await repo.approvals_of_run(self.pool, run_id):
            if approval.status == "pending":
                continue
            approved = approval.status == "approved"
            with contextlib.suppress(DomainError):  # arguments outside the schema were refused at the first try
                await tools.execute(tool_ctx, invocation_id=f"{approval.invocation_id}~{approval.status}",
                                    tool_name=approval.tool, arguments=approval.arguments, mode="live",
                                    rules=policy, run=tools.RunRef(run_id, events.run_topic(run_id)),
                                    approval=approved)

    async def _call(self, tool_ctx: ToolContext, run_id: str, call: Any, policy: dict[str, str]) -> ToolOutcome:
        assert self.pool is not None
        invocation_id = f"{run_id}.{call.call_id}"
        async with log.unit_of_work(self.pool) as conn:
            await events.append(conn, run_id, "tool.call", {"run_id": run_id, "invocation_id": invocation_id,
                                                           "call_id": call.call_id, "tool": call.name,
                                                           "arguments": call.arguments}, key=f"call:{invocation_id}")
        try:
            answer = await tools.execute(tool_ctx, invocation_id=invocation_id, tool_name=call.name,
                                         arguments=call.arguments, mode="live", rules=policy,
                                         run=tools.RunRef(run_id, events.run_topic(run_id)))
        except DomainError as exc:  # unknown tool or arguments outside its schema: told to the model
            return ToolOutcome(call, "failed", "denied", exc.reason or exc.code, None,
                               {"code": exc.code, "message": exc.message})
        decision = answer["decision"]
        return ToolOutcome(call, answer["status"], decision["decision"], decision["reason_code"], answer["result"],
                           answer["error"])

    async def _reply(self, run: repo.RunRecord, text: str) -> None:
        assert self.pool is not None
        async with log.unit_of_work(self.pool) as conn:
            await repo.insert_message(conn, run.thread_id, run.id, "assistant", text)
            await events.append(conn, run.id, "message.completed", {"run_id": run.id, "role": "assistant",
                                                                       "text": text})

    async def _finish(self, run_id: str, status: str, reason: str, context_hash: str | None, message: str = "") -> None:
        assert self.pool is not None
        async with log.unit_of_work(self.pool) as conn:
            await self._finish_on(conn, run_id, status, reason, context_hash, message)

    async def _finish_on(self, conn: asyncpg.Connection, run_id: str, status: str, reason: str,
                         context_hash: str | None, message: str = "") -> None:
        run = await repo.run(conn, run_id)
        assert run is not None
        receipt = await build_receipt(conn, run, status, reason)
        await repo.set_run(conn, run_id, status, reason, context_hash, receipt, hash_bytes(receipt))
        await events.append(conn, run_id, "run.finished", {"run_id": run_id, "status": status,
                                                           "reason_class": reason, "message": message,
                                                           "receipt_hash": hash_bytes(receipt)})


def new_approval_id() -> str:
    return f"apa_{secrets.token_hex(10)}"


async def recorded_outcomes(conn: asyncpg.Connection | asyncpg.Pool, run_id: str) -> list[ToolOutcome]:
    """The outcome of each tool call of a run so far, in order (a decided approval's outcome replaces
    the call's ``needs_approval``): what a resumed run hands its step adapter."""
    by_call: dict[str, ToolOutcome] = {}
    for row in await tools.run_invocations(conn, run_id):
        call_id = row.invocation_id[len(run_id) + 1:].split("~", 1)[0]
        call = ToolCall(call_id, row.tool, row.arguments)
        by_call[call_id] = ToolOutcome(call, row.status, row.decision, row.reason_code, row.result,
                                       row.error)
    return list(by_call.values())


async def run_events(conn: asyncpg.Connection | asyncpg.Pool, run_id: str) -> list[log.Event]:
    out: list[log.Event] = []
    while True:
        batch = await log.read(conn, events.run_topic(run_id), out[-1].seq if out else 0, limit=1000)
        if not batch:
            return out
        out.extend(batch)


async def build_receipt(conn: asyncpg.Connection, run: repo.RunRecord, status: str, reason: str) -> bytes:
    """``openagents.autopilot_run_receipt.v1``: the run's outcome, its context hash, each tool call
    with its own receipt hash, and the trajectory of its events (before ``run.finished``)."""
    logged = await run_events(conn, run.id)
    calls = [{"invocation_id": r.invocation_id, "tool": r.tool, "decision": r.decision,
              "reason_code": r.reason_code, "status": r.status, "receipt_hash": r.receipt_hash}
             for r in await tools.run_invocations(conn, run.id)]
    return canonical_json({
        "schema": SCHEMA, "run_id": run.id, "autopilot_id": run.autopilot_id, "thread_id": run.thread_id,
        "status": status, "reason_class": reason, "context_hash": run.context_hash or "",
        "tool_calls": calls, "event_count": len(logged),
        "event_counts": dict(sorted(Counter(e.kind for e in logged).items())),
        "trajectory_hash": hash_bytes(canonical_json([[e.seq, e.kind, e.payload_hash] for e in logged])),
    })


async def replay_run(pool: asyncpg.Pool, run_id: str, *, http_allow: AllowList | None = None) -> list[dict[str, Any]]:
    """Replay every tool call of a run (``mode: replay``: nothing acts) under the autopilot's policy
    now; each entry says whether the replay's receipt is byte-identical to the recorded one."""
    run = await repo.run(pool, run_id)
    if run is None:
        from openagents_server.errors import NotFound

        raise NotFound("run_not_found", "No such run.")
    autopilot = await repo.get(pool, run.autopilot_id)
    assert autopilot is not None
    owner = AuthContext(user_id=autopilot.owner_user_id, email="", name=None, kind="session")
    ctx = ToolContext(pool, owner, run.user_id, None, http_allow or AllowList())
    attempt = hash_bytes(canonical_json([run_id, asyncio.get_running_loop().time()]))[7:19]
    out = []
    for call in await tools.run_invocations(pool, run_id):
        decided = call.invocation_id.rpartition("~")[2] if "~" in call.invocation_id else ""
        answer = await tools.execute(ctx, invocation_id=f"replay.{attempt}.{call.invocation_id}"[:128],
                                     tool_name=call.tool, arguments=call.arguments, mode="replay",
                                     rules=autopilot.tool_policy, replay_of=call.invocation_id,
                                     approval={"approved": True, "denied": False}.get(decided))
        replayed = canonical_json(answer["receipt"])
        out.append({"invocation_id": call.invocation_id, "tool": call.tool,
                    "recorded_hash": call.receipt_hash, "replay_hash": answer["receipt_hash"],
                    "identical": replayed == bytes(call.receipt or b"")})
    return out
