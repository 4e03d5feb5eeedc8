"""A development backend that settles at once, with real preimages, and says it is fake.

It is stateless, so every worker process agrees: the preimage of an invoice is
``HMAC-SHA256(secret, payment_secret)`` and the invoice carries the payment secret (BOLT11 ``s``),
so paying an invoice this backend minted recomputes its preimage and checks it against the payment
hash. Invoices from any other node fail with ``no_route`` (a fake cannot reach the network).
Invoices it mints are reported settled at once (``settled=True``): "receive" is free in fake mode.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time

from openagents_server.domains.l402 import invoices
from openagents_server.domains.payments.backends.base import CreatedInvoice, InvoiceState, PaymentResult
from openagents_server.domains.payments.backends.invoices import node_pubkey, sign_invoice


class FakeBackend:
    mode = "fake"

    def __init__(self, secret: bytes) -> None:
        self._secret = hmac.new(secret, b"openagents.lightning.fake.v1", hashlib.sha256).digest()
        self._node_key = hmac.new(self._secret, b"node-key", hashlib.sha256).digest()
        self.pubkey = node_pubkey(self._node_key)

    def _preimage(self, payment_secret: bytes) -> bytes:
        return hmac.new(self._secret, b"preimage|" + payment_secret, hashlib.sha256).digest()

    async def create_invoice(self, amount_msat: int, memo: str, expiry_seconds: int) -> CreatedInvoice:
        payment_secret = os.urandom(32)
        preimage = self._preimage(payment_secret)
        payment_hash = hashlib.sha256(preimage).digest()
        now = int(time.time())
        request = sign_invoice(self._node_key, payment_hash=payment_hash, payment_secret=payment_secret,
                               amount_msat=amount_msat, memo=memo, expiry_seconds=expiry_seconds, now=now)
        return CreatedInvoice(request, payment_hash.hex(), amount_msat, now + expiry_seconds, settled=True,
                              preimage=preimage.hex())

    async def lookup_invoice(self, payment_hash: str) -> InvoiceState:
        return InvoiceState(payment_hash, True, 0, "SETTLED")

    async def pay_invoice(self, payment_request: str, *, amount_msat: int, fee_limit_msat: int,
                          timeout_seconds: int) -> PaymentResult:
        decoded = invoices.decode(payment_request)
        if decoded.payee != self.pubkey or not decoded.payment_secret:
            return PaymentResult("failed", decoded.payment_hash, failure_reason="no_route")
        preimage = self._preimage(bytes.fromhex(decoded.payment_secret))
        if hashlib.sha256(preimage).hexdigest() != decoded.payment_hash:
            return PaymentResult("failed", decoded.payment_hash, failure_reason="incorrect_payment_details")
        return PaymentResult("succeeded", decoded.payment_hash, preimage=preimage.hex(), fee_msat=0)

    async def lookup_payment(self, payment_hash: str) -> PaymentResult | None:
        return None  # the fake answers every payment at once; none is ever left in flight

    async def channel_balance_msat(self) -> int:
        return 0

    async def close(self) -> None:
        return None
