"""Each payments repository struct equals the row it was built from (``tests/support/rows.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.payments import repository as payments

from tests.support.rows import read


async def test_every_payments_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)
    await db.execute("INSERT INTO users (id, provider, provider_user_id, email) "
                     "VALUES ('usr_1', 'local', 'local_1', 'ada@example.com')")
    wallet = await read(db, lambda c: payments.insert_wallet(c, "wal_1", "usr_1", max_payment_msat=10_000,
                                                             daily_budget_msat=50_000, approval_threshold_msat=None,
                                                             allowed_hosts=["example.com"], spark_address="sprt1x"))
    assert (wallet.id, wallet.balance_msat, wallet.approval_threshold_msat, wallet.allowed_hosts) == (
        "wal_1", 0, None, ["example.com"])
    assert await payments.insert_wallet(db, "wal_2", "usr_1", max_payment_msat=1, daily_budget_msat=1,
                                        approval_threshold_msat=None, allowed_hosts=[], spark_address="s") is None
    assert (await read(db, lambda c: payments.wallet_for_user(c, "usr_1"))).spark_address == "sprt1x"
    assert await payments.wallet_for_user(db, "usr_9") is None
    assert (await read(db, lambda c: payments.lock_wallet(c, "usr_1"))).id == "wal_1"
    policy = await read(db, lambda c: payments.update_policy(c, "wal_1", {"approval_threshold_msat": 5000}))
    assert (policy.approval_threshold_msat, policy.max_payment_msat) == (5000, 10_000)

    expires = datetime.now(UTC) + timedelta(hours=1)
    invoice = await read(db, lambda c: payments.insert_tx(c, {
        "id": "wtx_1", "wallet_id": "wal_1", "user_id": "usr_1", "kind": "invoice", "direction": "in",
        "status": "pending", "amount_msat": 2000, "payment_key": "receive:h1", "payment_hash": "h1",
        "payment_request": "lnbc1", "memo": "tip", "mode": "mock", "expires_at": expires}))
    assert (invoice.id, invoice.kind, invoice.fee_msat, invoice.preimage, invoice.receipt, invoice.expires_at) == (
        "wtx_1", "invoice", 0, None, None, expires)
    assert [t.id for t in await read(db, lambda c: payments.pending_invoices(c, "wal_1"))] == ["wtx_1"]
    assert (await read(db, lambda c: payments.lock_tx(c, "wtx_1"))).status == "pending"
    settled = await read(db, lambda c: payments.update_tx(c, "wtx_1", {
        "status": "succeeded", "settled_at": expires, "receipt": {"schema": "r"}, "receipt_sha256": "sha256:r"}))
    assert (settled.status, settled.receipt, settled.receipt_sha256) == ("succeeded", {"schema": "r"}, "sha256:r")
    await payments.insert_tx(db, {"id": "wtx_2", "wallet_id": "wal_1", "user_id": "usr_1", "kind": "payment",
                                  "direction": "out", "status": "in_flight", "amount_msat": 1000,
                                  "reserved_msat": 1010, "payment_key": "pay:h2", "payment_hash": "h2",
                                  "mode": "mock"})
    assert (await read(db, lambda c: payments.tx_by_key(c, "wal_1", "pay:h2"))).reserved_msat == 1010
    assert await payments.tx_by_key(db, "wal_1", "pay:none") is None
    assert (await read(db, lambda c: payments.live_payment_for_hash(c, "wal_1", "h2"))).id == "wtx_2"
    assert (await read(db, lambda c: payments.tx_for_user(c, "usr_1", "wtx_2"))).direction == "out"
    assert await payments.tx_for_user(db, "usr_9", "wtx_2") is None
    assert [t.id for t in await read(db, lambda c: payments.in_flight(c, "wal_1"))] == ["wtx_2"]
    listed = await read(db, lambda c: payments.list_txs(c, "usr_1", limit=10, before=None, status=None, kind=None,
                                                        direction=None))
    assert {t.id for t in listed} == {"wtx_1", "wtx_2"}

    await payments.save_credential(db, "wal_1", "https://example.com/", "h2", "k1", b"wrapped", b"sealed", expires)
    credential = await read(db, lambda c: payments.credential(c, "wal_1", "https://example.com/"))
    assert (credential.payment_hash, credential.key_id, credential.wrapped_key, credential.ciphertext,
            credential.expires_at) == ("h2", "k1", b"wrapped", b"sealed", expires)
    assert await payments.credential(db, "wal_1", "https://other/") is None
