"""``openagents.lightning.wallet_receipt.v1``: one canonical JSON document per finished payment.

The receipt is the canonical JSON (keys sorted, compact, UTF-8; ``openagents_proto.canonical``) of
the fields below; ``receipt_sha256`` is ``sha256:`` + hex of those bytes. Anyone holding the receipt
can recompute the hash (:func:`verify`), and check ``sha256(preimage) == payment_hash`` for a
Lightning payment: the preimage is the proof that the payee was paid.
"""

from __future__ import annotations

import hashlib
from typing import Any

from openagents_proto.canonical import payload_hash

SCHEMA = "openagents.lightning.wallet_receipt.v1"


def build(tx: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "receipt_id": tx["id"],
        "wallet_id": tx["wallet_id"],
        "user_id": tx["user_id"],
        "kind": tx["kind"],
        "direction": tx["direction"],
        "status": tx["status"],
        "mode": tx["mode"],
        "amount_msat": tx["amount_msat"],
        "fee_msat": tx["fee_msat"],
        "payment_key": tx["payment_key"],
        "payment_hash": tx.get("payment_hash"),
        "preimage": tx.get("preimage"),
        "destination": tx.get("destination"),
        "host": tx.get("host"),
        "settled_at": tx["settled_at"],
    }


def digest(receipt: dict[str, Any]) -> str:
    return payload_hash(receipt)


def verify(receipt: dict[str, Any], receipt_sha256: str) -> bool:
    if digest(receipt) != receipt_sha256:
        return False
    preimage, payment_hash = receipt.get("preimage"), receipt.get("payment_hash")
    if receipt.get("kind") == "payment" and receipt.get("status") == "succeeded":
        return bool(preimage and payment_hash) and hashlib.sha256(bytes.fromhex(preimage)).hexdigest() == payment_hash
    return True
