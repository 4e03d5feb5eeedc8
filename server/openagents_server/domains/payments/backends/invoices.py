"""Signing real BOLT11 invoices (``bolt11.encode``) for the backends that mint their own: the fake
backend here, the fake LND server in tests. The preimage/payment-hash pair is real."""

from __future__ import annotations

import time

from bolt11 import Bolt11, MilliSatoshi, TagChar, Tags
from bolt11 import encode as bolt11_encode
from coincurve import PrivateKey

#: BOLT11 ``c`` field (anchor: LND's default final CLTV delta).
MIN_FINAL_CLTV_EXPIRY = 80


def node_pubkey(private_key: bytes) -> str:
    return PrivateKey(private_key).public_key.format(compressed=True).hex()


def sign_invoice(private_key: bytes, *, payment_hash: bytes, payment_secret: bytes, amount_msat: int,
                 memo: str, expiry_seconds: int, currency: str = "bcrt", now: int | None = None) -> str:
    tags = Tags()
    tags.add(TagChar.payment_hash, payment_hash.hex())
    tags.add(TagChar.payment_secret, payment_secret.hex())
    tags.add(TagChar.description, memo)
    tags.add(TagChar.expire_time, expiry_seconds)
    tags.add(TagChar.min_final_cltv_expiry, MIN_FINAL_CLTV_EXPIRY)
    invoice = Bolt11(currency=currency, date=int(now if now is not None else time.time()), tags=tags,
                     amount_msat=MilliSatoshi(amount_msat))
    return bolt11_encode(invoice, private_key.hex())
