"""The policy decision made before a tool runs: ``allowed``, ``denied`` or ``needs_approval``, each
with a reason code from the contracts' registry (``openagents_proto.runtime.domain.ReasonCode``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openagents_proto.runtime.domain import ReasonCode

from openagents_server.domains.tools.registry import BUILTINS, Tool

REASON_CODES_VERSION = "runtime-policy-reason-codes.v1"
Verdict = Literal["allowed", "denied", "needs_approval"]


@dataclass(frozen=True, slots=True)
class Decision:
    decision: Verdict
    reason_code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"decision": self.decision, "reason_code": self.reason_code,
                "reason_codes_version": REASON_CODES_VERSION, "message": self.message}


def code(member: ReasonCode) -> str:
    """The registry spelling (``policy_denied.explicit_deny``) of a contract reason code."""
    domain, _, reason = member.value.partition("_")
    for prefix in ("policy_allowed", "policy_denied", "ssrf_block", "manifest_validation", "comms_failed",
                   "loop_detected", "coding_failed"):
        if member.value.startswith(prefix + "_"):
            return f"{prefix}.{member.value[len(prefix) + 1:]}"
    return f"{domain}.{reason}"


ALLOWED = code(ReasonCode.POLICY_ALLOWED_DEFAULT)
EXPLICIT_DENY = code(ReasonCode.POLICY_DENIED_EXPLICIT_DENY)
CONSENT_REQUIRED = code(ReasonCode.POLICY_DENIED_CONSENT_REQUIRED)
AUTHORIZATION_MISSING = code(ReasonCode.POLICY_DENIED_AUTHORIZATION_MISSING)


def decide(tool: Tool, policy: dict[str, str]) -> Decision:
    """The autopilot's (or the profile's) rule for ``tool``; a tool the policy does not name is denied."""
    rule = policy.get(tool.name, "deny")
    if rule == "allow":
        if not tool.available:
            return Decision("denied", AUTHORIZATION_MISSING,
                            f"{tool.name} is not available on this server yet (its client is not installed).")
        return Decision("allowed", ALLOWED, f"{tool.name} is allowed by the policy.")
    if rule == "ask":
        return Decision("needs_approval", CONSENT_REQUIRED, f"{tool.name} needs the owner's approval.")
    return Decision("denied", EXPLICIT_DENY, f"{tool.name} is not in this autopilot's tool policy.")


def approved(tool: Tool, verdict: bool) -> Decision:
    """The owner's answer to a call that needed approval: allowed, or denied by them."""
    if verdict:
        return Decision("allowed", ALLOWED, f"{tool.name} was approved by the autopilot's owner.")
    return Decision("denied", EXPLICIT_DENY, f"The autopilot's owner denied this {tool.name} call.")


def check_policy(policy: dict[str, str]) -> dict[str, list[str]]:
    """Field errors of a tool policy: known tools, known rules."""
    errors: dict[str, list[str]] = {}
    for name, rule in policy.items():
        if name not in BUILTINS:
            errors[f"tool_policy.{name}"] = [f"unknown tool; known: {', '.join(BUILTINS)}"]
        elif rule not in ("allow", "ask", "deny"):
            errors[f"tool_policy.{name}"] = ["must be allow, ask or deny"]
    return errors
