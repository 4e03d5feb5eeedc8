"""Agent wallets: own wallet only, aliases, spend policy with reason codes, idempotent payments with
receipts, and the daily budget enforced under the row lock when payments race."""

from __future__ import annotations

import asyncio

from tests.l402.conftest import invoice_from, wallet


async def test_a_wallet_is_created_once_read_through_every_alias_and_only_by_its_owner(client, person) -> None:
    ada, bob = await person("ada@example.com"), await person("bob@example.com")
    assert (await client.get("/api/agent-payments/wallet", headers=ada.headers)).json()["error"]["code"] == "wallet_not_found"
    created = await client.post("/api/agents/me/wallet", headers=ada.headers, json={"max_payment_sats": 500})
    assert created.status_code == 201 and created.json()["data"]["mode"] == "fake"
    again = await client.post("/api/agent-payments/wallet", headers=ada.headers, json={"daily_budget_sats": 2000})
    assert again.status_code == 200 and again.json()["data"]["id"] == created.json()["data"]["id"]
    assert again.json()["data"]["policy"] == {"max_payment_sats": 500, "daily_budget_sats": 2000,
                                              "approval_threshold_sats": 5000, "allowed_hosts": []}
    views = [(await client.get(path, headers=ada.headers)).json()["data"]
             for path in ("/api/agent-payments/wallet", "/api/agents/me/wallet")]
    assert views[0] == views[1]
    balances = [(await client.get(path, headers=ada.headers)).json()["data"]
                for path in ("/api/agent-payments/balance", "/api/agents/me/balance")]
    assert balances[0] == balances[1] and balances[0]["balance_sats"] == 0
    # Bob sees his own (none), never Ada's.
    assert (await client.get("/api/agents/me/wallet", headers=bob.headers)).status_code == 404
    assert (await client.get("/api/agent-payments/wallet")).status_code == 401


async def test_a_paid_invoice_moves_integer_money_and_yields_a_verifiable_receipt(client, person) -> None:
    ada, bob = await person("ada@example.com"), await person("bob@example.com")
    await wallet(client, ada, fund_sats=1000)
    await wallet(client, bob)
    request = await invoice_from(client, bob, 250)
    paid = await client.post("/api/agent-payments/pay", headers=ada.headers, json={"invoice": request, "payment_key": "order-1"})
    assert paid.status_code == 200, paid.text
    tx = paid.json()["data"]
    assert (tx["status"], tx["amount_sats"], tx["fee_msat"], tx["mode"]) == ("succeeded", 250, 0, "fake")
    assert tx["receipt"]["schema"] == "openagents.lightning.wallet_receipt.v1" and tx["receipt_verified"] is True
    assert tx["receipt_sha256"].startswith("sha256:")
    balance = (await client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert (balance["balance_msat"], balance["reserved_msat"], balance["spent_today_msat"]) == (750_000, 0, 250_000)
    detail = await client.get(f"/api/l402/transactions/{tx['id']}", headers=ada.headers)
    assert detail.json()["data"]["receipt"] == tx["receipt"] and detail.json()["data"]["receipt_verified"]
    assert (await client.get(f"/api/l402/transactions/{tx['id']}", headers=bob.headers)).status_code == 404


async def test_paying_the_same_invoice_twice_with_one_payment_key_is_one_payment(client, person) -> None:
    ada, bob = await person("ada@example.com"), await person("bob@example.com")
    await wallet(client, ada, fund_sats=1000)
    await wallet(client, bob)
    request = await invoice_from(client, bob, 100)
    body = {"invoice": request, "payment_key": "same-key"}
    first, second = await asyncio.gather(client.post("/api/payments/pay", headers=ada.headers, json=body),
                                         client.post("/api/agent-payments/pay", headers=ada.headers, json=body))
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert (await client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]["balance_msat"] == 900_000
    # Another key for the same invoice: refused, still one payment.
    other = await client.post("/api/payments/pay", headers=ada.headers, json={"invoice": request, "payment_key": "k2"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "invoice_already_paid"
    page = (await client.get("/api/l402/transactions?kind=payment", headers=ada.headers)).json()["data"]
    assert len(page["transactions"]) == 1


async def test_the_spend_policy_refuses_with_reason_codes_and_pays_nothing(client, person) -> None:
    ada, bob = await person("ada@example.com"), await person("bob@example.com")
    await wallet(client, ada, fund_sats=5000, max_payment_sats=300, daily_budget_sats=400, approval_threshold_sats=200)
    await wallet(client, bob)

    async def pay(sats: int, **extra) -> dict:
        response = await client.post("/api/agent-payments/pay", headers=ada.headers,
                                     json={"invoice": await invoice_from(client, bob, sats), **extra})
        return response.json()

    assert (await pay(301))["error"]["reason"] == "over_payment_cap"
    assert (await pay(250))["error"]["reason"] == "approval_required"
    assert (await pay(150))["data"]["status"] == "succeeded"
    assert (await pay(150))["data"]["status"] == "succeeded"
    assert (await pay(150))["error"]["reason"] == "over_daily_budget"
    balance = (await client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert balance["balance_msat"] == 5_000_000 - 300_000
    # A person (session) may approve above the threshold; a personal access token may not.
    await client.post("/api/agent-payments/wallet", headers=ada.headers, json={"daily_budget_sats": 10_000})
    token = (await client.post("/api/tokens", headers=ada.headers, json={"name": "agent"})).json()["data"]["token"]
    as_agent = await client.post("/api/agent-payments/pay", headers={"authorization": f"Bearer {token}"},
                                 json={"invoice": await invoice_from(client, bob, 250), "approved": True})
    assert as_agent.json()["error"]["reason"] == "approval_required"
    assert (await pay(250, approved=True))["data"]["status"] == "succeeded"


async def test_two_payments_racing_at_the_daily_limit_let_exactly_one_through(client, person) -> None:
    ada, bob = await person("ada@example.com"), await person("bob@example.com")
    # 100 sats + 1 sat fee cap each; a budget of 150 sats fits one.
    await wallet(client, ada, fund_sats=5000, daily_budget_sats=150, max_payment_sats=100)
    await wallet(client, bob)
    for _ in range(3):
        invoices = [await invoice_from(client, bob, 100) for _ in range(2)]
        results = await asyncio.gather(*(client.post("/api/agent-payments/pay", headers=ada.headers,
                                                     json={"invoice": inv}) for inv in invoices))
        codes = sorted(r.status_code for r in results)
        if codes == [200, 403]:
            break
        assert codes == [403, 403], codes  # a later round: the first round already spent the budget
    assert codes == [200, 403]
    refused = next(r for r in results if r.status_code == 403).json()
    assert refused["error"]["reason"] == "over_daily_budget"
    balance = (await client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]
    assert balance["balance_msat"] == 4_900_000 and balance["spent_today_msat"] == 100_000


async def test_a_spark_send_is_mock_and_says_so_but_the_policy_and_ledger_are_real(client, person) -> None:
    ada = await person("ada@example.com")
    await wallet(client, ada, fund_sats=1000)
    address = "sprt1" + "q" * 40
    sent = await client.post("/api/payments/send-spark", headers=ada.headers,
                             json={"spark_address": address, "amount_sats": 100, "payment_key": "sp-1"})
    assert sent.status_code == 200, sent.text
    assert (sent.json()["data"]["mode"], sent.json()["data"]["status"]) == ("mock", "succeeded")
    again = await client.post("/api/agent-payments/send-spark", headers=ada.headers,
                              json={"spark_address": address, "amount_sats": 100, "payment_key": "sp-1"})
    assert again.json()["data"]["id"] == sent.json()["data"]["id"]
    assert (await client.get("/api/agent-payments/balance", headers=ada.headers)).json()["data"]["balance_msat"] == 900_000
    bad = await client.post("/api/payments/send-spark", headers=ada.headers, json={"spark_address": "bc1notspark000000", "amount_sats": 1})
    assert bad.status_code == 422


async def test_bad_input_is_a_422_with_field_errors(client, person) -> None:
    ada = await person("ada@example.com")
    await wallet(client, ada, fund_sats=10)
    for body in ({"invoice": "lnbc1garbage"}, {"invoice": 5}, {"invoice": "x" * 20, "extra": 1},
                 {"invoice": "lnbcrt1" + "q" * 50, "amount_sats": 1.5}):
        response = await client.post("/api/agent-payments/pay", headers=ada.headers, json=body)
        assert response.status_code == 422, (body, response.text)
    assert (await client.post("/api/agent-payments/invoice", headers=ada.headers, json={"amount_sats": 0})).status_code == 422
    assert (await client.get("/api/l402/transactions?cursor=%%%", headers=ada.headers)).status_code == 422


async def test_transactions_page_by_cursor_and_filter(client, person) -> None:
    ada = await person("ada@example.com")
    await wallet(client, ada)
    for sats in (1, 2, 3, 4, 5):
        await client.post("/api/agent-payments/invoice", headers=ada.headers, json={"amount_sats": sats})
    first = (await client.get("/api/l402/transactions?limit=2", headers=ada.headers)).json()["data"]
    second = (await client.get(f"/api/l402/transactions?limit=2&cursor={first['next_cursor']}", headers=ada.headers)).json()["data"]
    third = (await client.get(f"/api/l402/transactions?limit=2&cursor={second['next_cursor']}", headers=ada.headers)).json()["data"]
    amounts = [t["amount_sats"] for page in (first, second, third) for t in page["transactions"]]
    assert amounts == [5, 4, 3, 2, 1] and third["next_cursor"] is None
    assert (await client.get("/api/l402/transactions?kind=payment", headers=ada.headers)).json()["data"]["transactions"] == []
    overview = (await client.get("/api/l402/wallet", headers=ada.headers)).json()["data"]
    assert overview["wallet"]["balance_sats"] == 15 and len(overview["recent_transactions"]) == 5
