"""The one error type of the conversion layer: it names the offending field."""

from __future__ import annotations


class ContractError(ValueError):
    """A wire payload or domain value that breaks the contract.

    `field` is a dotted path into the message (e.g. ``"update_batch.updates[3].payload_hash"``),
    `reason` a stable machine-readable code (``missing``, ``out_of_range``, ``unknown_enum``,
    ``too_large``, ``malformed``, ``invalid_json``, ``hash_mismatch``, ``unsupported_version``,
    ``mismatch``, ``duplicate``), and the message says what was expected.
    """

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = reason
        self.detail = message

    def nested(self, prefix: str) -> ContractError:
        """The same error with `prefix` prepended to its field path."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return ContractError(field, self.reason, self.detail)
