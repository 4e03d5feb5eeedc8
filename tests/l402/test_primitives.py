"""L402 primitives: headers (L402 and LSAT), macaroon caveats, BOLT11 decoding, preimage check."""

from __future__ import annotations

import hashlib
import os

import pytest
from openagents_server.domains.l402 import challenge, invoices, macaroons
from openagents_server.domains.payments.backends.fake import FakeBackend
from openagents_server.domains.payments.receipts import build, digest, verify

SECRET = b"test-macaroon-secret"


def test_a_challenge_round_trips_and_lsat_is_read_but_never_produced() -> None:
    header = challenge.challenge_header("AgEEbWFj", "lnbcrt1xyz")
    assert header == 'L402 macaroon="AgEEbWFj", invoice="lnbcrt1xyz"'
    assert challenge.parse_challenge(header) == challenge.Challenge("AgEEbWFj", "lnbcrt1xyz", "L402")
    lsat = challenge.parse_challenge('LSAT macaroon="m1", invoice="i1"')
    assert lsat.scheme == "LSAT" and lsat.macaroon == "m1"
    # Both offered: L402 wins.
    found = challenge.find_challenge(['Bearer realm="x"', 'LSAT macaroon="a", invoice="b"', 'L402 macaroon="c", invoice="d"'])
    assert found is not None and found.macaroon == "c"
    with pytest.raises(challenge.MalformedHeader):
        challenge.parse_challenge('Bearer realm="x"')
    with pytest.raises(challenge.MalformedHeader):
        challenge.parse_challenge('L402 macaroon="only"')


def test_a_credential_is_macaroon_colon_preimage_in_either_scheme() -> None:
    preimage = os.urandom(32)
    header = challenge.credential_header("AgEE+/mac=", preimage)
    parsed = challenge.parse_credential(header)
    assert parsed.macaroon == "AgEE+/mac=" and parsed.preimage == preimage
    assert challenge.parse_credential(f"LSAT AgEE:{preimage.hex()}").scheme == "LSAT"
    for bad in ("L402 nocolon", f"L402 :{preimage.hex()}", "L402 mac:zz", "Bearer abc", "L402 m:" + "a" * 63):
        with pytest.raises(challenge.MalformedHeader):
            challenge.parse_credential(bad)


def test_a_minted_macaroon_verifies_for_its_service_until_it_expires() -> None:
    payment_hash = hashlib.sha256(b"p").digest()
    minted = macaroons.mint(SECRET, payment_hash=payment_hash, service="fortune", valid_until=2_000)
    mac = macaroons.decode(minted.macaroon)
    verified = macaroons.verify(SECRET, mac, service="fortune", now=1_999)
    assert verified.payment_hash == payment_hash and verified.token_id == minted.token_id
    with pytest.raises(macaroons.InvalidMacaroon) as expired:
        macaroons.verify(SECRET, mac, service="fortune", now=2_000)
    assert expired.value.reason == "expired"
    with pytest.raises(macaroons.InvalidMacaroon) as other:
        macaroons.verify(SECRET, mac, service="weather", now=1_000)
    assert other.value.reason == "wrong_service"
    with pytest.raises(macaroons.InvalidMacaroon) as forged:
        macaroons.verify(b"another-secret", mac, service="fortune", now=1_000)
    assert forged.value.reason == "bad_signature"


def test_a_caveat_added_by_the_holder_cannot_widen_and_an_unknown_one_denies() -> None:
    minted = macaroons.mint(SECRET, payment_hash=os.urandom(32), service="fortune", valid_until=2_000)
    mac = macaroons.decode(minted.macaroon)
    mac.add_first_party_caveat("fortune_valid_until=9999999999")  # attenuation: the earlier caveat still rules
    with pytest.raises(macaroons.InvalidMacaroon) as expired:
        macaroons.verify(SECRET, macaroons.decode(macaroons.encode(mac)), service="fortune", now=3_000)
    assert expired.value.reason == "expired"
    mac2 = macaroons.decode(minted.macaroon)
    mac2.add_first_party_caveat("ip=1.2.3.4")
    with pytest.raises(macaroons.InvalidMacaroon) as unknown:
        macaroons.verify(SECRET, mac2, service="fortune", now=1_000)
    assert unknown.value.reason == "unknown_caveat"


def test_a_tampered_macaroon_fails_its_signature_or_does_not_decode() -> None:
    minted = macaroons.mint(SECRET, payment_hash=os.urandom(32), service="fortune", valid_until=2_000)
    raw = bytearray(__import__("base64").b64decode(minted.macaroon))
    raw[-5] ^= 0x01  # a bit of the signature
    tampered = __import__("base64").b64encode(bytes(raw)).decode()
    with pytest.raises(macaroons.InvalidMacaroon) as bad:
        macaroons.verify(SECRET, macaroons.decode(tampered), service="fortune", now=1_000)
    assert bad.value.reason == "bad_signature"
    with pytest.raises(macaroons.InvalidMacaroon):
        macaroons.decode("not base64 at all!")


async def test_bolt11_gives_amount_hash_expiry_and_network_and_the_preimage_matches() -> None:
    backend = FakeBackend(b"s")
    created = await backend.create_invoice(21_000, "coffee", 600)
    decoded = invoices.decode(created.payment_request)
    assert (decoded.amount_msat, decoded.network, decoded.expiry_seconds, decoded.description) == (21_000, "regtest", 600, "coffee")
    assert decoded.payment_hash == created.payment_hash and decoded.payee == backend.pubkey
    assert macaroons.preimage_matches(bytes.fromhex(created.preimage), bytes.fromhex(decoded.payment_hash))
    assert not macaroons.preimage_matches(os.urandom(32), bytes.fromhex(decoded.payment_hash))
    assert invoices.decode("lightning:" + created.payment_request).payment_hash == created.payment_hash
    for garbage in ("lnbc1", "hello", created.payment_request[:-3] + "qqq"):
        with pytest.raises(invoices.InvalidInvoice):
            invoices.decode(garbage)


async def test_the_fake_backend_pays_only_its_own_invoices_with_the_real_preimage() -> None:
    one, other = FakeBackend(b"one"), FakeBackend(b"two")
    mine = await one.create_invoice(5_000, "x", 60)
    paid = await one.pay_invoice(mine.payment_request, amount_msat=5_000, fee_limit_msat=0, timeout_seconds=5)
    assert paid.status == "succeeded" and hashlib.sha256(bytes.fromhex(paid.preimage)).hexdigest() == mine.payment_hash
    foreign = await other.pay_invoice(mine.payment_request, amount_msat=5_000, fee_limit_msat=0, timeout_seconds=5)
    assert (foreign.status, foreign.failure_reason) == ("failed", "no_route")


def test_a_receipt_hash_is_canonical_and_a_changed_field_breaks_it() -> None:
    preimage = os.urandom(32)
    tx = {"id": "wtx_1", "wallet_id": "wal_1", "user_id": "u", "kind": "payment", "direction": "out",
          "status": "succeeded", "mode": "fake", "amount_msat": 1000, "fee_msat": 0, "payment_key": "k",
          "payment_hash": hashlib.sha256(preimage).hexdigest(), "preimage": preimage.hex(), "settled_at": "2026-01-01T00:00:00+00:00"}
    receipt = build(tx)
    assert receipt["schema"] == "openagents.lightning.wallet_receipt.v1"
    assert verify(receipt, digest(receipt))
    assert not verify({**receipt, "amount_msat": 1001}, digest(receipt))
    assert not verify({**receipt, "preimage": os.urandom(32).hex()}, digest({**receipt, "preimage": os.urandom(32).hex()}))
