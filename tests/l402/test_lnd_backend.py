"""The LND REST adapter against a local server speaking LND's API, and the wallet's states when the
node fails: timeout, HTTP 500, payment failed, insufficient balance — no money recorded as spent
that was not."""

from __future__ import annotations

import asyncio

import pytest
from openagents_server.domains.payments.backends.base import BackendUnavailable
from openagents_server.domains.payments.backends.lnd import LndRestBackend

from tests.l402.conftest import wallet
from tests.l402.fake_lnd import MACAROON, FakeLnd, self_signed_cert


async def test_the_adapter_creates_looks_up_pays_and_reads_the_balance(fake_lnd) -> None:
    backend = LndRestBackend(fake_lnd.url, MACAROON, timeout=2)
    try:
        created = await backend.create_invoice(21_000, "coffee", 600)
        assert created.amount_msat == 21_000 and not created.settled
        assert (await backend.lookup_invoice(created.payment_hash)).state == "OPEN"
        paid = await backend.pay_invoice(created.payment_request, amount_msat=21_000, fee_limit_msat=1000, timeout_seconds=5)
        assert paid.status == "succeeded" and paid.fee_msat == 1000 and paid.preimage
        assert (await backend.lookup_invoice(created.payment_hash)).settled
        assert await backend.channel_balance_msat() == 50_000_000 - 21_000
        again = await backend.pay_invoice(created.payment_request, amount_msat=21_000, fee_limit_msat=1000, timeout_seconds=5)
        assert (again.status, again.failure_reason) == ("failed", "already_paid")
        method, path, headers = fake_lnd.calls[0]
        assert (method, path, headers["Grpc-Metadata-macaroon"]) == ("POST", "/v1/invoices", MACAROON)
    finally:
        await backend.close()


async def test_the_adapter_trusts_lnds_own_tls_certificate_and_nothing_else(tmp_path) -> None:
    cert, key = self_signed_cert(str(tmp_path))
    fake = FakeLnd(tls=(cert, key)).start()
    try:
        pinned = LndRestBackend(fake.url, MACAROON, tls_cert_path=cert, timeout=2)
        assert await pinned.channel_balance_msat() == 50_000_000
        await pinned.close()
        system = LndRestBackend(fake.url, MACAROON, timeout=2)  # the system CAs do not know LND's cert
        with pytest.raises(BackendUnavailable) as refused:
            await system.channel_balance_msat()
        assert refused.value.reason == "node_unreachable"
        await system.close()
    finally:
        fake.stop()


async def test_the_adapter_reports_node_failures_without_leaking_the_macaroon(fake_lnd) -> None:
    wrong = LndRestBackend(fake_lnd.url, "00ff", timeout=2)
    with pytest.raises(BackendUnavailable) as refused:
        await wrong.create_invoice(1000, "x", 60)
    assert refused.value.reason == "node_refused" and "00ff" not in str(refused.value)
    await wrong.close()
    backend = LndRestBackend(fake_lnd.url, MACAROON, timeout=0.5)
    fake_lnd.error_next = 500
    with pytest.raises(BackendUnavailable) as error:
        await backend.channel_balance_msat()
    assert error.value.reason == "node_error"
    fake_lnd.delay_next = 1.5
    with pytest.raises(BackendUnavailable) as slow:
        await backend.channel_balance_msat()
    assert slow.value.reason == "node_timeout"
    await backend.close()


async def _funded(lnd_client, person, fake_lnd, sats: int = 1000):
    ada = await person("ada@example.com")
    await wallet(lnd_client, ada)
    funding = await lnd_client.post("/api/agent-payments/invoice", headers=ada.headers, json={"amount_sats": sats})
    assert funding.json()["data"]["status"] == "pending" and funding.json()["data"]["mode"] == "lnd"
    assert (await lnd_client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]["balance_msat"] == 0
    fake_lnd.settle(funding.json()["data"]["payment_hash"])  # someone outside paid it
    assert (await lnd_client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]["balance_msat"] == sats * 1000
    return ada


@pytest.fixture
def person(lnd_client, db):
    from tests.identity.conftest import sign_in

    async def make(email: str = "ada@example.com"):
        return await sign_in(lnd_client, db, email)

    return make


async def test_a_wallet_on_lnd_pays_and_keeps_the_actual_fee(lnd_client, person, fake_lnd) -> None:
    ada = await _funded(lnd_client, person, fake_lnd)
    bob = await person("bob@example.com")
    await wallet(lnd_client, bob)
    bill = (await lnd_client.post("/api/payments/invoice", headers=bob.headers, json={"amount_sats": 100})).json()["data"]
    paid = await lnd_client.post("/api/payments/pay", headers=ada.headers, json={"invoice": bill["payment_request"]})
    assert paid.status_code == 200, paid.text
    assert paid.json()["data"]["fee_msat"] == 1000 and paid.json()["data"]["receipt_verified"]
    balance = (await lnd_client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert (balance["balance_msat"], balance["reserved_msat"]) == (1_000_000 - 100_000 - 1000, 0)
    # Bob's invoice settles on the node; his next read credits it.
    assert (await lnd_client.get("/api/agents/me/balance", headers=bob.headers)).json()["data"]["balance_msat"] == 100_000


@pytest.mark.parametrize("failure", ["FAILURE_REASON_NO_ROUTE", "FAILURE_REASON_INSUFFICIENT_BALANCE"])
async def test_a_failed_payment_returns_every_reserved_msat(lnd_client, person, fake_lnd, failure) -> None:
    ada = await _funded(lnd_client, person, fake_lnd)
    bill = (await lnd_client.post("/api/payments/invoice", headers=ada.headers, json={"amount_sats": 100})).json()["data"]
    fake_lnd.fail_next = failure
    failed = await lnd_client.post("/api/payments/pay", headers=ada.headers, json={"invoice": bill["payment_request"]})
    assert failed.status_code == 409 and failed.json()["error"]["code"] == "payment_failed"
    assert failed.json()["error"]["reason"] == {"FAILURE_REASON_NO_ROUTE": "no_route"}.get(failure, "insufficient_balance")
    balance = (await lnd_client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert (balance["balance_msat"], balance["reserved_msat"], balance["spent_today_msat"]) == (1_000_000, 0, 0)
    tx = (await lnd_client.get("/api/l402/transactions?kind=payment", headers=ada.headers)).json()["data"]["transactions"][0]
    assert tx["status"] == "failed" and tx["receipt_sha256"] is None


async def test_an_unanswered_payment_is_in_flight_with_its_money_reserved_not_spent(lnd_client, person, fake_lnd) -> None:
    ada = await _funded(lnd_client, person, fake_lnd)
    bill = (await lnd_client.post("/api/payments/invoice", headers=ada.headers, json={"amount_sats": 100})).json()["data"]
    fake_lnd.delay_next = 10  # longer than our 2 s timeout: the node is still working on it
    response = await lnd_client.post("/api/payments/pay", headers=ada.headers, json={"invoice": bill["payment_request"]})
    assert response.status_code == 202
    tx = response.json()["data"]
    assert (tx["status"], tx["failure_reason"], tx["receipt"]) == ("in_flight", "node_timeout", None)
    # The next read asks the node (track): still IN_FLIGHT, so the money stays reserved, not spent, not free.
    balance = (await lnd_client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert (balance["balance_msat"], balance["reserved_msat"], balance["spent_today_msat"]) == (899_000, 101_000, 101_000)
    again = await lnd_client.post("/api/payments/pay", headers=ada.headers, json={"invoice": bill["payment_request"]})
    assert again.status_code == 202 and again.json()["data"]["id"] == tx["id"]  # no second payment


async def test_an_in_flight_payment_is_resolved_from_the_node_on_the_next_read(lnd_client, person, fake_lnd) -> None:
    ada = await _funded(lnd_client, person, fake_lnd)
    bob = await person("bob@example.com")
    await wallet(lnd_client, bob)
    slow = (await lnd_client.post("/api/payments/invoice", headers=bob.headers, json={"amount_sats": 100})).json()["data"]
    lost = (await lnd_client.post("/api/payments/invoice", headers=bob.headers, json={"amount_sats": 200})).json()["data"]
    fake_lnd.delay_next = 3  # the node answers after our 2 s timeout, but does pay
    first = await lnd_client.post("/api/payments/pay", headers=ada.headers, json={"invoice": slow["payment_request"]})
    fake_lnd.error_next = 500  # the node never takes this one
    second = await lnd_client.post("/api/payments/pay", headers=ada.headers, json={"invoice": lost["payment_request"]})
    assert first.status_code == second.status_code == 202
    for _ in range(50):
        if fake_lnd.payments:
            break
        await asyncio.sleep(0.1)
    balance = (await lnd_client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert (balance["balance_msat"], balance["reserved_msat"]) == (1_000_000 - 100_000 - 1000, 0)
    txs = {t["id"]: t for t in (await lnd_client.get("/api/l402/transactions?kind=payment", headers=ada.headers)).json()["data"]["transactions"]}
    assert txs[first.json()["data"]["id"]]["status"] == "succeeded"
    assert (txs[second.json()["data"]["id"]]["status"], txs[second.json()["data"]["id"]]["failure_reason"]) == ("failed", "not_initiated")
