"""BOLT11 invoices decoded through the ``bolt11`` library into the fields payments need."""

from __future__ import annotations

from dataclasses import dataclass

import bolt11

#: Human-readable prefixes → network (BOLT11 §Human-Readable Part).
NETWORKS = {"bc": "mainnet", "tb": "testnet", "tbs": "signet", "bcrt": "regtest"}
MAX_INVOICE_LENGTH = 7089  # the longest a QR code holds in alphanumeric mode


class InvalidInvoice(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class DecodedInvoice:
    payment_request: str
    payment_hash: str
    amount_msat: int | None
    network: str
    created_at: int
    expiry_seconds: int
    description: str | None
    payee: str | None
    payment_secret: str | None

    @property
    def expires_at(self) -> int:
        return self.created_at + self.expiry_seconds

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def decode(payment_request: str) -> DecodedInvoice:
    text = payment_request.strip()
    if text.lower().startswith("lightning:"):
        text = text[len("lightning:"):]
    if not text or len(text) > MAX_INVOICE_LENGTH:
        raise InvalidInvoice("not a BOLT11 invoice")
    try:
        inv = bolt11.decode(text)
    except Exception as exc:  # noqa: BLE001 - bolt11/bech32/bitstring raise a zoo of types on garbage input
        raise InvalidInvoice(f"not a valid BOLT11 invoice ({type(exc).__name__})") from None
    return DecodedInvoice(
        payment_request=text,
        payment_hash=inv.payment_hash,
        amount_msat=int(inv.amount_msat) if inv.amount_msat is not None else None,
        network=NETWORKS.get(inv.currency, inv.currency),
        created_at=int(inv.date),
        expiry_seconds=int(inv.expiry),
        description=inv.description,
        payee=inv.payee,
        payment_secret=inv.payment_secret,
    )
