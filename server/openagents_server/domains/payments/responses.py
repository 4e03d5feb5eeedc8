"""Response bodies of the agent-payments routes. Amounts: integer msat, with sats beside them."""

from __future__ import annotations

from typing import Any

from msgspec import Struct


class WalletPolicy(Struct):
    max_payment_sats: int
    daily_budget_sats: int
    approval_threshold_sats: int | None
    allowed_hosts: list[str]


class Wallet(Struct):
    id: str
    user_id: str
    #: ``fake`` (development backend: settles instantly, no real money) or ``lnd``.
    mode: str
    balance_msat: int
    balance_sats: int
    reserved_msat: int
    spark_address: str
    policy: WalletPolicy
    created_at: str
    spent_today_msat: int = 0


class Balance(Struct):
    wallet_id: str
    mode: str
    balance_msat: int
    balance_sats: int
    reserved_msat: int
    spent_today_msat: int


class Transaction(Struct):
    id: str
    kind: str
    direction: str
    status: str
    mode: str
    amount_msat: int
    amount_sats: int
    fee_msat: int
    payment_key: str
    payment_hash: str | None
    payment_request: str | None
    destination: str | None
    host: str | None
    memo: str | None
    failure_reason: str | None
    receipt_sha256: str | None
    created_at: str
    settled_at: str | None
    expires_at: str | None


class TransactionDetail(Transaction):
    """With the canonical receipt (``openagents.lightning.wallet_receipt.v1``) and whether it verifies."""

    receipt: dict[str, Any] | None = None
    receipt_verified: bool = False


class TransactionPage(Struct):
    transactions: list[Transaction]
    next_cursor: str | None


class FetchResult(Struct):
    status: int
    headers: dict[str, str]
    body: str
    truncated: bool
    paid: bool
    used_cached_credential: bool
    payment: TransactionDetail | None
