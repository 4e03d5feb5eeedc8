"""``openagents.tool_receipt.v1``: what one tool call did, as canonical JSON and its sha256.

A pure function of the call's identity (call id, run id, tool), the arguments' hash, the policy
decision and the outcome's hash. Nothing time-, host- or mode-dependent goes in, so replaying a
recorded call (``mode: replay``) gives byte-identical receipts while the policy and the recorded
outcome are unchanged, and a different decision or outcome shows as a different hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openagents_proto.canonical import canonical_json, hash_bytes

SCHEMA = "openagents.tool_receipt.v1"


@dataclass(frozen=True, slots=True)
class ToolReceipt:
    body: bytes
    receipt_hash: str


def digest(value: Any) -> str:
    return hash_bytes(canonical_json(value))


def build(*, call_id: str, run_id: str | None, tool: str, arguments: dict[str, Any], decision: dict[str, str],
          status: str, result: dict[str, Any] | None, error: dict[str, str] | None) -> ToolReceipt:
    body = canonical_json({
        "schema": SCHEMA,
        "call_id": call_id,
        "run_id": run_id or "",
        "tool": tool,
        "arguments_hash": digest(arguments),
        "decision": decision["decision"],
        "reason_code": decision["reason_code"],
        "reason_codes_version": decision["reason_codes_version"],
        "status": status,
        "result_hash": digest(result) if result is not None else "",
        "error_code": error["code"] if error else "",
    })
    return ToolReceipt(body, hash_bytes(body))
