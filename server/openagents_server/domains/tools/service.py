"""``tools/execute``: validate the arguments against the tool's JSON Schema, decide by policy, run
(``live``), reuse a recorded outcome (``replay``) or only decide (``dry_run``); store the invocation
with its receipt and append the result to the run's events in one transaction.

The same invocation id again answers the original (one execution); with another tool, arguments or
mode it is 409 ``invocation_id_reused``; while the first is still running, 409 ``invocation_in_progress``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg
from openagents_proto.canonical import canonical_json
from openagents_proto.runtime.domain import ReasonCode

from openagents_server.domains.tools import builtins, policy, receipts, ssrf
from openagents_server.domains.tools import repository as repo
from openagents_server.domains.tools.builtins import ToolContext
from openagents_server.domains.tools.recorder import Done, Recorder
from openagents_server.domains.tools.registry import BUILTINS, Tool, argument_errors
from openagents_server.errors import Conflict, Invalid, NotFound
from openagents_server.khala import log

#: A result bigger than this (canonical JSON) is kept in the invocation but not copied into the run event.
MAX_EVENT_RESULT_BYTES = 64 * 1024
MODES = ("live", "replay", "dry_run")


@dataclass(frozen=True, slots=True)
class RunRef:
    """The run a call belongs to: its id and Khala topic (``run:{id}:events``)."""

    run_id: str
    topic: str


class StalePolicy(Exception):
    """The cached policy's version is no longer the profile's: read it again and decide again."""


def tool(name: str, field: str = "tool") -> Tool:
    found = BUILTINS.get(name)
    if found is None:
        raise Invalid("unknown_tool", f"Unknown tool {name!r}; known: {', '.join(BUILTINS)}.", field=field)
    return found


def _answer(row: repo.InvocationRecord, *, replay: bool) -> dict[str, Any]:
    receipt = row.receipt
    return {
        "invocation_id": row.invocation_id, "tool": row.tool, "mode": row.mode, "run_id": row.run_id,
        "decision": {"decision": row.decision, "reason_code": row.reason_code,
                     "reason_codes_version": policy.REASON_CODES_VERSION, "message": ""},
        "status": row.status, "result": row.result, "error": row.error,
        "receipt": receipts_json(bytes(receipt)), "receipt_hash": row.receipt_hash, "run_seq": row.run_seq,
        "replay_of": row.replay_of, "idempotent_replay": replay,
    }


def receipts_json(body: bytes) -> dict[str, Any]:
    return json.loads(body)


async def _existing(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, invocation_id: str, tool_name: str,
                    arguments: dict[str, Any], mode: str) -> dict[str, Any]:
    row = await repo.get(conn, user_id, invocation_id)
    assert row is not None
    if row.tool != tool_name or row.arguments != arguments or row.mode != mode:
        raise Conflict("invocation_id_reused", "This invocation id was already used with another tool, arguments or mode.",
                       field="invocation_id")
    if row.status == "pending":
        raise Conflict("invocation_in_progress", "This invocation is still running; ask again in a moment.",
                       field="invocation_id")
    return _answer(row, replay=True)


async def execute(ctx: ToolContext, *, invocation_id: str, tool_name: str, arguments: dict[str, Any], mode: str,
                  rules: dict[str, str], run: RunRef | None = None, replay_of: str | None = None,
                  recorder: Recorder | None = None, profile_version: int | None = None,
                  approval: bool | None = None) -> dict[str, Any]:
    """Decide, run and receipt one call. ``rules`` is the policy in force (the autopilot's, else the
    caller's profile defaults). With a ``recorder``, a call that acts on nothing outside the database
    is group-committed (``recorder.py``); with ``profile_version`` too, only while the profile is
    still at that version (else :class:`StalePolicy`). ``approval`` is the owner's answer to a call
    the policy sent for approval (True: it runs; False: it is denied by them)."""
    spec = tool(tool_name)
    errors = argument_errors(spec, arguments)
    if errors:
        raise Invalid("invalid_arguments", f"The arguments do not match {spec.name}'s schema.", errors=errors,
                      reason=policy.code(ReasonCode.MANIFEST_VALIDATION_INVALID_SCHEMA))
    pool, user_id = ctx.pool, ctx.caller_id
    recorded = None
    if mode == "replay":
        if not replay_of:
            raise Invalid("replay_of_required", "A replay names the recorded invocation (replay_of).", field="replay_of")
        recorded = await repo.get(pool, user_id, replay_of)
        if recorded is None or recorded.mode != "live" or recorded.status == "pending":
            raise NotFound("invocation_not_found", "No recorded live invocation with this id.", field="replay_of")
        if recorded.tool != tool_name or recorded.arguments != arguments:
            raise Conflict("replay_mismatch", "A replay must repeat the recorded tool and arguments.", field="arguments")
    elif replay_of:
        raise Invalid("replay_of_unexpected", "replay_of is only for mode replay.", field="replay_of")
    decision = policy.decide(spec, rules)
    if approval is not None and decision.decision == "needs_approval":
        decision = policy.approved(spec, approval)
    run_id = run.run_id if run else None
    claim = (pool, user_id, invocation_id, run_id, tool_name, arguments, mode, replay_of, decision.decision,
             decision.reason_code)
    if mode == "live" and decision.decision == "allowed" and not spec.local:
        # The tool acts outside this database: claim the id first (committed), so a concurrent
        # repeat sees it and the tool runs once; then run it without holding a connection.
        if not await repo.reserve(*claim):
            return await _existing(pool, user_id, invocation_id, tool_name, arguments, mode)
        try:
            outcome = await _outcome(ctx, spec.name, arguments, mode, decision, recorded, approved=approval is True)
        except BaseException:
            await repo.release(pool, user_id, invocation_id)
            raise
        async with log.unit_of_work(pool) as conn:
            return await _record(conn, user_id, invocation_id, tool_name, arguments, mode, run, replay_of,
                                 decision, recorded, outcome)
    # Nothing acts outside the database (a decision only, a replay, a local tool): decide, then record
    # it in one statement. A concurrent repeat's insert waits on ours and then finds it; had it won,
    # the outcome it recorded is the same (nothing acted, the receipt is deterministic).
    outcome = await _outcome(ctx, spec.name, arguments, mode, decision, recorded)
    if run is None:
        answer = _answer_of(invocation_id, tool_name, arguments, mode, None, replay_of, decision, recorded, outcome)
        receipt = answer.pop("_receipt")
        if recorder is not None:
            stored = await recorder.record(Done(
                user_id, invocation_id, None, tool_name, arguments, mode, replay_of, answer["decision"]["decision"],
                answer["decision"]["reason_code"], answer["status"], answer["result"], answer["error"], receipt.body,
                receipt.receipt_hash, None, profile_version))
            if stored == "stale":
                raise StalePolicy(user_id)
            if stored == "inserted":
                return answer
            return await _existing(pool, user_id, invocation_id, tool_name, arguments, mode)
        inserted = await repo.insert_done(pool, user_id, invocation_id, None, tool_name, arguments, mode, replay_of,
                                  answer["decision"]["decision"], answer["decision"]["reason_code"], answer["status"],
                                  answer["result"], answer["error"], receipt.body, receipt.receipt_hash, None)
        if inserted:
            return answer
        return await _existing(pool, user_id, invocation_id, tool_name, arguments, mode)
    async with log.unit_of_work(pool) as conn:
        if not await repo.reserve(conn, *claim[1:]):
            return await _existing(conn, user_id, invocation_id, tool_name, arguments, mode)
        return await _record(conn, user_id, invocation_id, tool_name, arguments, mode, run, replay_of, decision,
                             recorded, outcome)


Outcome = tuple[str, dict[str, Any] | None, dict[str, str] | None, str]


def _answer_of(invocation_id: str, tool_name: str, arguments: dict[str, Any], mode: str, run_id: str | None,
               replay_of: str | None, decision: policy.Decision, recorded: repo.InvocationRecord | None,
               outcome: Outcome) -> dict[str, Any]:
    """The answer and (under ``_receipt``) the receipt of a decided call."""
    status, result, error, reason_code = outcome
    verdict = decision.as_dict()
    if reason_code != decision.reason_code:  # refused by the tool itself (an SSRF block): a denial
        verdict = {**verdict, "decision": "denied", "reason_code": reason_code, "message": error["message"] if error else ""}
    call_id = recorded.invocation_id if recorded is not None else invocation_id
    receipt_run = recorded.run_id if recorded is not None else run_id
    receipt = receipts.build(call_id=call_id, run_id=receipt_run, tool=tool_name, arguments=arguments,
                             decision=verdict, status=status, result=result, error=error)
    return {"invocation_id": invocation_id, "tool": tool_name, "mode": mode, "run_id": run_id, "decision": verdict,
            "status": status, "result": result, "error": error, "receipt": receipts_json(receipt.body),
            "receipt_hash": receipt.receipt_hash, "run_seq": None, "replay_of": replay_of,
            "idempotent_replay": False, "_receipt": receipt}


async def _record(conn: asyncpg.Connection, user_id: str, invocation_id: str, tool_name: str, arguments: dict[str, Any],
                  mode: str, run: RunRef | None, replay_of: str | None, decision: policy.Decision,
                  recorded: repo.InvocationRecord | None, outcome: Outcome) -> dict[str, Any]:
    """Store the outcome and its receipt, and append it to the run's events (the caller's transaction)."""
    answer = _answer_of(invocation_id, tool_name, arguments, mode, run.run_id if run else None, replay_of, decision,
                        recorded, outcome)
    receipt, verdict = answer.pop("_receipt"), answer["decision"]
    if run is not None:
        answer["run_seq"] = await _append_result(conn, run, invocation_id, tool_name, arguments, mode, verdict,
                                                 answer["status"], answer["result"], answer["error"], receipt)
    await repo.finish(conn, user_id, invocation_id, verdict["decision"], verdict["reason_code"], answer["status"],
                      answer["result"], answer["error"], receipt.body, receipt.receipt_hash, answer["run_seq"])
    return answer


async def _outcome(ctx: ToolContext, name: str, arguments: dict[str, Any], mode: str, decision: policy.Decision,
                   recorded: repo.InvocationRecord | None, *, approved: bool = False) -> Outcome:
    """``(status, result, error, reason_code)``."""
    if decision.decision == "denied":
        return "denied", None, {"code": "policy_denied", "message": decision.message}, decision.reason_code
    if decision.decision == "needs_approval":
        return "needs_approval", None, {"code": "approval_required", "message": decision.message}, decision.reason_code
    if mode == "dry_run":
        return "dry_run", None, None, decision.reason_code
    if recorded is not None:
        return recorded.status, recorded.result, recorded.error, recorded.reason_code
    try:
        return "succeeded", await builtins.run(name, arguments, ctx, approved=approved), None, decision.reason_code
    except ssrf.Blocked as exc:
        return "denied", None, {"code": "ssrf_blocked", "message": str(exc)}, exc.reason_code
    except builtins.ToolFailed as exc:
        return "failed", None, {"code": exc.code, "message": str(exc)[:500]}, decision.reason_code


async def _append_result(conn: asyncpg.Connection, run: RunRef, invocation_id: str, tool_name: str,
                         arguments: dict[str, Any], mode: str, verdict: dict[str, str], status: str,
                         result: dict[str, Any] | None, error: dict[str, str] | None,
                         receipt: receipts.ToolReceipt) -> int:
    shown = result
    if result is not None and len(canonical_json(result)) > MAX_EVENT_RESULT_BYTES:
        shown = {"truncated": True, "result_hash": receipts.digest(result)}
    payload = {"type": "tool.result", "run_id": run.run_id, "invocation_id": invocation_id, "tool": tool_name,
               "arguments": arguments, "mode": mode, "decision": verdict, "status": status, "result": shown,
               "error": error, "receipt": receipts_json(receipt.body), "receipt_hash": receipt.receipt_hash}
    appended = await log.append(conn, run.topic, doc_key=invocation_id, payload=payload, kind="tool.result",
                                idempotency_key=f"tool:{invocation_id}:{mode}")
    return appended.seq


async def run_invocations(conn: asyncpg.Connection | asyncpg.Pool, run_id: str) -> list[repo.InvocationRecord]:
    """The live calls recorded for a run, in order (for replays and the page)."""
    return await repo.for_run(conn, run_id)
