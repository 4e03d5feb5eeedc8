"""Request bodies of the agent-payments routes (bounded msgspec structs; unknown fields are refused)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

#: 1 sat … 10 000 000 sats (0.1 BTC): amounts are integers, never floats.
Sats = Annotated[int, Meta(ge=1, le=10_000_000, description="satoshis (integer)")]
FeeSats = Annotated[int, Meta(ge=0, le=100_000, description="routing fee cap in satoshis")]
Host = Annotated[str, Meta(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9*.-]+(:([0-9]{1,5}|\*))?$")]
PaymentKey = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_:.-]+$",
                                 description="idempotency key: the same key never pays twice")]
Invoice = Annotated[str, Meta(min_length=10, max_length=7089, description="BOLT11 payment request")]


class _Body(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class WalletRequest(_Body):
    """Create the wallet, or change its spend policy (fields left out stay as they are)."""

    max_payment_sats: Sats | None = None
    daily_budget_sats: Annotated[int, Meta(ge=1, le=100_000_000)] | None = None
    approval_threshold_sats: Sats | None = None
    allowed_hosts: Annotated[list[Host], Meta(max_length=100)] | None = None


class InvoiceRequest(_Body):
    amount_sats: Sats
    memo: Annotated[str, Meta(max_length=200)] = ""
    expiry_seconds: Annotated[int, Meta(ge=60, le=86_400)] = 3600


class PayRequest(_Body):
    invoice: Invoice
    payment_key: PaymentKey | None = None
    amount_sats: Sats | None = None
    max_fee_sats: FeeSats | None = None
    #: Only a signed-in person (session) can approve a payment above the approval threshold.
    approved: bool = False


class SendSparkRequest(_Body):
    spark_address: Annotated[str, Meta(min_length=10, max_length=320)]
    amount_sats: Sats
    payment_key: PaymentKey | None = None
    approved: bool = False


class L402FetchRequest(_Body):
    url: Annotated[str, Meta(min_length=8, max_length=2048)]
    method: Annotated[str, Meta(pattern=r"^(GET|POST|PUT|PATCH|DELETE|HEAD)$")] = "GET"
    headers: Annotated[dict[Annotated[str, Meta(max_length=100)], Annotated[str, Meta(max_length=4096)]],
                       Meta(max_length=50)] | None = None
    body: Annotated[str, Meta(max_length=1_000_000)] | None = None
    max_price_sats: Sats | None = None
    approved: bool = False
