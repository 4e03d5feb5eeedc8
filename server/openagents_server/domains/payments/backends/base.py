"""The one interface every payment backend implements, and the outcomes it reports.

A backend never raises for a payment that was *refused by the network* (no route, insufficient
balance): it returns a :class:`PaymentResult` with ``status="failed"`` and a reason, because nothing
was spent. It raises :class:`BackendUnavailable` when it cannot tell (timeout, 5xx, connection
refused): for a payment that means *unknown* — the money may be in flight — and the caller must
keep its reservation until the payment is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

PaymentStatus = Literal["succeeded", "failed", "in_flight"]


class BackendUnavailable(Exception):
    """The node did not answer usefully (timeout, HTTP 5xx, refused connection)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CreatedInvoice:
    payment_request: str
    payment_hash: str  # hex
    amount_msat: int
    expires_at: int  # unix seconds
    #: True when the backend settles it at once (the fake); LND answers False until paid.
    settled: bool = False
    preimage: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceState:
    payment_hash: str
    settled: bool
    amount_paid_msat: int
    state: str  # OPEN | SETTLED | CANCELED | ACCEPTED (LND's names)


@dataclass(frozen=True, slots=True)
class PaymentResult:
    status: PaymentStatus
    payment_hash: str
    preimage: str | None = None
    fee_msat: int = 0
    failure_reason: str | None = None


class LightningBackend(Protocol):
    #: Shown in every response that involves money: ``fake`` or ``lnd``.
    mode: str

    async def create_invoice(self, amount_msat: int, memo: str, expiry_seconds: int) -> CreatedInvoice: ...

    async def lookup_invoice(self, payment_hash: str) -> InvoiceState: ...

    async def pay_invoice(self, payment_request: str, *, amount_msat: int, fee_limit_msat: int,
                          timeout_seconds: int) -> PaymentResult: ...

    async def lookup_payment(self, payment_hash: str) -> PaymentResult | None:
        """The node's final word on an outgoing payment: a result, ``in_flight``, or None when the
        node never started it (then nothing left the wallet)."""
        ...

    async def channel_balance_msat(self) -> int: ...

    async def close(self) -> None: ...
