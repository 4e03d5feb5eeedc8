"""``/api/agent-payments/*`` and its aliases (``/api/agents/me/*`` for the wallet, ``/api/payments/*`` for
spending), mounted from the same controllers so an alias cannot drift from its target."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from openagents_server.dependencies import DbPool
from openagents_server.domains.identity.authentication import Auth
from openagents_server.domains.payments import client, service
from openagents_server.domains.payments.deps import Lightning
from openagents_server.domains.payments.responses import Balance, FetchResult, TransactionDetail, Wallet
from openagents_server.domains.payments.schemas import (
    InvoiceRequest,
    L402FetchRequest,
    PayRequest,
    SendSparkRequest,
    WalletRequest,
)
from openagents_server.openapi import ERRORS, SECURED
from openagents_server.responses import Data, typed

MAX_BODY_BYTES = 1_100_000
#: POST /wallet answers 201 when it creates the wallet; /pay answers 202 while a payment is in flight.
WALLET_RESPONSES = {**ERRORS, 201: ResponseSpec(data_container=Data[Wallet], generate_examples=False,
                                                description="the wallet was created")}
PAY_RESPONSES = {**ERRORS, 202: ResponseSpec(data_container=Data[TransactionDetail], generate_examples=False,
                                             description="in flight: the node did not answer in time; the money stays reserved")}


def _msat(value: int | None) -> int | None:
    return value * 1000 if value is not None else None


class WalletController(Controller):
    """The caller's own wallet: a person only ever sees their own."""

    path = "/"
    tags = ("payments",)
    security = SECURED
    request_max_body_size = 16 * 1024

    @get("/wallet", responses=ERRORS, summary="The caller's agent wallet and spend policy")
    async def get_wallet(self, pool: DbPool, auth: Auth, lightning: Lightning) -> Response[Data[Wallet]]:
        return typed(Wallet, await service.wallet(pool, lightning, auth.user_id))

    @post("/wallet", status_code=200, responses=WALLET_RESPONSES,
          summary="Create the caller's wallet (201) or change its spend policy (200)")
    async def post_wallet(self, pool: DbPool, auth: Auth, lightning: Lightning,
                          data: JSONBody[WalletRequest]) -> Response[Data[Wallet]]:
        policy: dict[str, Any] = {"max_payment_msat": _msat(data.max_payment_sats),
                                  "daily_budget_msat": _msat(data.daily_budget_sats),
                                  "approval_threshold_msat": _msat(data.approval_threshold_sats),
                                  "allowed_hosts": data.allowed_hosts}
        view, created = await service.ensure_wallet(pool, lightning, auth, policy)
        return typed(Wallet, view, status=201 if created else 200)

    @get("/balance", responses=ERRORS, summary="The caller's wallet balance (msat and sats), reserved and spent today")
    async def get_balance(self, pool: DbPool, auth: Auth, lightning: Lightning) -> Response[Data[Balance]]:
        return typed(Balance, await service.balance(pool, lightning, auth.user_id))


class PaymentsController(Controller):
    """Receiving and spending from the caller's wallet, within its spend policy."""

    path = "/"
    tags = ("payments",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @post("/invoice", status_code=201, responses=ERRORS, summary="Create an invoice that pays into the caller's wallet")
    async def invoice(self, pool: DbPool, auth: Auth, lightning: Lightning,
                      data: JSONBody[InvoiceRequest]) -> Response[Data[TransactionDetail]]:
        created = await service.create_invoice(pool, lightning, auth, amount_msat=data.amount_sats * 1000,
                                               memo=data.memo, expiry_seconds=data.expiry_seconds)
        return typed(TransactionDetail, created, status=201)

    @post("/pay", status_code=200, responses=PAY_RESPONSES,
          summary="Pay a BOLT11 invoice within the spend policy; idempotent by payment_key; returns the receipt")
    async def pay(self, pool: DbPool, auth: Auth, lightning: Lightning,
                  data: JSONBody[PayRequest]) -> Response[Data[TransactionDetail]]:
        paid = await service.pay_invoice(pool, lightning, auth, payment_request=data.invoice,
                                         payment_key=data.payment_key, amount_msat=_msat(data.amount_sats),
                                         max_fee_msat=_msat(data.max_fee_sats), approved=data.approved)
        return typed(TransactionDetail, paid, status=202 if paid["status"] == "in_flight" else 200)

    @post("/send-spark", status_code=200, responses=ERRORS,
          summary="Send to a Spark address (mock mode: policy, ledger and receipt are real, no money leaves)")
    async def send_spark(self, pool: DbPool, auth: Auth, lightning: Lightning,
                         data: JSONBody[SendSparkRequest]) -> Response[Data[TransactionDetail]]:
        sent = await service.send_spark(pool, lightning, auth, spark_address=data.spark_address,
                                        amount_msat=data.amount_sats * 1000, payment_key=data.payment_key,
                                        approved=data.approved)
        return typed(TransactionDetail, sent)


class L402ClientController(Controller):
    path = "/l402"
    tags = ("payments",)
    security = SECURED
    request_max_body_size = MAX_BODY_BYTES

    @post("/fetch", status_code=200, responses=ERRORS,
          summary="Fetch a URL as an L402 client: on 402, pay within the policy, retry, cache the credential")
    async def fetch(self, pool: DbPool, auth: Auth, lightning: Lightning,
                    data: JSONBody[L402FetchRequest]) -> Response[Data[FetchResult]]:
        result = await client.fetch(pool, lightning, auth, url=data.url, method=data.method, headers=data.headers,
                                    body=data.body, max_price_msat=_msat(data.max_price_sats), approved=data.approved)
        return typed(FetchResult, result)
