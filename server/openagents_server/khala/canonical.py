"""Canonical JSON and the ``sha256:`` payload hash: the contract's definitions (one source of truth)."""

from openagents_proto.canonical import canonical_json
from openagents_proto.canonical import hash_bytes as payload_hash

__all__ = ["canonical_json", "payload_hash"]
