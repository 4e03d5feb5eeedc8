"""The answer of ``POST /api/runtime/tools/execute``."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class Decision(Struct):
    #: ``allowed``, ``denied`` or ``needs_approval``.
    decision: str
    #: From the contracts' registry (``runtime-policy-reason-codes.v1``), e.g. ``ssrf_block.private_address``.
    reason_code: str
    reason_codes_version: str
    message: str


class ToolError(Struct):
    code: str
    message: str


class ToolInvocation(Struct):
    invocation_id: str
    tool: str
    mode: str
    run_id: str | None
    decision: Decision
    #: ``succeeded``, ``failed``, ``denied``, ``needs_approval`` or ``dry_run``.
    status: str
    result: dict[str, Any] | None
    error: ToolError | None
    #: ``openagents.tool_receipt.v1`` (canonical JSON); ``receipt_hash`` is its sha256.
    receipt: dict[str, Any]
    receipt_hash: str
    run_seq: int | None
    replay_of: str | None
    idempotent_replay: bool
