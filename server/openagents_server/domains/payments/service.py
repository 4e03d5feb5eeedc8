"""Agent wallets: create and read, receive (invoices), pay invoices and send within the spend policy.

Every spend follows one shape, so concurrent payments can never exceed the policy:

1. in one transaction, under ``SELECT … FOR UPDATE`` of the wallet row: return the existing
   transaction if this payment key was seen (idempotency), decide the policy against today's spend
   (succeeded + still reserved), take ``amount + fee cap`` from the balance and insert the
   transaction ``pending``;
2. outside any lock, ask the backend to pay;
3. in a second transaction: ``succeeded`` → keep amount + actual fee, return the unused fee, write
   the receipt; ``failed`` → return the whole reservation; backend unreachable/timeout → ``in_flight``
   with the reservation kept (the money may be moving; it is neither spent nor free).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from openagents_server.audit import audit
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.l402 import invoices
from openagents_server.domains.payments import policy as spend
from openagents_server.domains.payments import receipts
from openagents_server.domains.payments import repository as repo
from openagents_server.domains.payments.backends.base import BackendUnavailable, PaymentResult
from openagents_server.domains.payments.kit import LightningKit
from openagents_server.errors import Conflict, Invalid, NotFound, Unavailable
from openagents_server.khala import log

#: Invoices a wallet asks for expire after this unless the caller says otherwise (anchor: LND's 3600 s).
DEFAULT_INVOICE_EXPIRY = 3600
PAY_TIMEOUT_SECONDS = 60
SPARK_ADDRESS = re.compile(r"^(sp|spt|sprt|sps)1[02-9ac-hj-np-z]{20,300}$")
MAX_LIST = 100


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def sats(msat: int) -> int:
    return msat // 1000


def wallet_view(row: repo.WalletRecord, kit: LightningKit, *, reserved_msat: int = 0,
                spent_today_msat: int | None = None) -> dict[str, Any]:
    view = {
        "id": row.id,
        "user_id": row.user_id,
        "mode": kit.mode,
        "balance_msat": row.balance_msat,
        "balance_sats": sats(row.balance_msat),
        "reserved_msat": reserved_msat,
        "spark_address": row.spark_address,
        "policy": {
            "max_payment_sats": sats(row.max_payment_msat),
            "daily_budget_sats": sats(row.daily_budget_msat),
            "approval_threshold_sats": (sats(row.approval_threshold_msat)
                                        if row.approval_threshold_msat is not None else None),
            "allowed_hosts": list(row.allowed_hosts),
        },
        "created_at": row.created_at.isoformat(),
    }
    if spent_today_msat is not None:
        view["spent_today_msat"] = spent_today_msat
    return view


def tx_view(row: repo.TxRecord, *, with_receipt: bool = False) -> dict[str, Any]:
    view = {
        "id": row.id,
        "kind": row.kind,
        "direction": row.direction,
        "status": row.status,
        "mode": row.mode,
        "amount_msat": row.amount_msat,
        "amount_sats": sats(row.amount_msat),
        "fee_msat": row.fee_msat,
        "payment_key": row.payment_key,
        "payment_hash": row.payment_hash,
        "payment_request": row.payment_request,
        "destination": row.destination,
        "host": row.host,
        "memo": row.memo,
        "failure_reason": row.failure_reason,
        "receipt_sha256": row.receipt_sha256,
        "created_at": row.created_at.isoformat(),
        "settled_at": _iso(row.settled_at),
        "expires_at": _iso(row.expires_at),
    }
    if with_receipt:
        receipt = row.receipt
        view["receipt"] = receipt
        view["receipt_verified"] = bool(receipt) and receipts.verify(receipt, row.receipt_sha256 or "")
    return view


async def _wallet_or_404(conn: asyncpg.Connection, user_id: str, *, lock: bool = False) -> repo.WalletRecord:
    row = await (repo.lock_wallet(conn, user_id) if lock else repo.wallet_for_user(conn, user_id))
    if row is None:
        raise NotFound("wallet_not_found", "No agent wallet yet: create one with POST /api/agent-payments/wallet.")
    return row


# --- wallets -------------------------------------------------------------------------------------

async def ensure_wallet(pool: asyncpg.Pool, kit: LightningKit, auth: AuthContext,
                        policy: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create the caller's wallet (or update its policy); ``(wallet, created)``."""
    changes = {k: v for k, v in policy.items() if v is not None}
    async with pool.acquire() as conn, conn.transaction():
        row = await repo.insert_wallet(
            conn, new_id("wal"), auth.user_id,
            max_payment_msat=changes.get("max_payment_msat", spend.DEFAULT_MAX_PAYMENT_MSAT),
            daily_budget_msat=changes.get("daily_budget_msat", spend.DEFAULT_DAILY_BUDGET_MSAT),
            approval_threshold_msat=changes.get("approval_threshold_msat", spend.DEFAULT_APPROVAL_THRESHOLD_MSAT),
            allowed_hosts=changes.get("allowed_hosts", []),
            spark_address="sprt1" + base64.b32encode(secrets.token_bytes(30)).decode().lower().replace("=", "")
                          .translate(str.maketrans("bio1", "xyz2")))
        created = row is not None
        if not created:
            row = await _wallet_or_404(conn, auth.user_id, lock=True)
            if changes:
                row = await repo.update_policy(conn, row.id, changes)
        await audit(conn, "payments.wallet.created" if created else "payments.wallet.policy_updated",
                    user_id=auth.user_id, session_id=auth.session_id,
                    attributes={"wallet_id": row.id, **changes})
        spent = await repo.spent_today_msat(conn, row.id)
        reserved = await repo.reserved_msat(conn, row.id)
    return wallet_view(row, kit, reserved_msat=reserved, spent_today_msat=spent), created


async def wallet(pool: asyncpg.Pool, kit: LightningKit, user_id: str) -> dict[str, Any]:
    await refresh_invoices(pool, kit, user_id)
    await resolve_in_flight(pool, kit, user_id)
    async with pool.acquire() as conn:
        row = await _wallet_or_404(conn, user_id)
        spent = await repo.spent_today_msat(conn, row.id)
        reserved = await repo.reserved_msat(conn, row.id)
    return wallet_view(row, kit, reserved_msat=reserved, spent_today_msat=spent)


async def balance(pool: asyncpg.Pool, kit: LightningKit, user_id: str) -> dict[str, Any]:
    view = await wallet(pool, kit, user_id)
    return {"wallet_id": view["id"], "mode": view["mode"], "balance_msat": view["balance_msat"],
            "balance_sats": view["balance_sats"], "reserved_msat": view["reserved_msat"],
            "spent_today_msat": view["spent_today_msat"]}


# --- receiving -----------------------------------------------------------------------------------

async def create_invoice(pool: asyncpg.Pool, kit: LightningKit, auth: AuthContext, *, amount_msat: int,
                         memo: str, expiry_seconds: int) -> dict[str, Any]:
    async with pool.acquire() as conn:
        wallet_row = await _wallet_or_404(conn, auth.user_id)
    try:
        created = await kit.backend.create_invoice(amount_msat, memo, expiry_seconds)
    except BackendUnavailable as exc:
        raise Unavailable("lightning_unavailable", str(exc), reason=exc.reason) from None
    now = datetime.now(UTC)
    async with log.unit_of_work(pool) as conn:
        values = {"id": new_id("wtx"), "wallet_id": wallet_row.id, "user_id": auth.user_id, "kind": "invoice",
                  "direction": "in", "status": "pending", "amount_msat": amount_msat, "payment_key": f"receive:{created.payment_hash}",
                  "payment_hash": created.payment_hash, "payment_request": created.payment_request, "memo": memo,
                  "mode": kit.mode, "expires_at": datetime.fromtimestamp(created.expires_at, UTC)}
        row = await repo.insert_tx(conn, values)
        if created.settled:
            row = await _settle_invoice(conn, row, amount_msat, now)
    return tx_view(row, with_receipt=True)


async def _settle_invoice(conn: asyncpg.Connection, row: repo.TxRecord, amount_paid_msat: int,
                          now: datetime) -> repo.TxRecord:
    await repo.adjust_balance(conn, row.wallet_id, amount_paid_msat)
    done = {**msgspec.structs.asdict(row), "status": "succeeded", "amount_msat": amount_paid_msat,
            "settled_at": now.isoformat()}
    receipt = receipts.build(done)
    row = await repo.update_tx(conn, row.id, {"status": "succeeded", "amount_msat": amount_paid_msat,
                                                 "settled_at": now, "receipt": receipt,
                                                 "receipt_sha256": receipts.digest(receipt)})
    await _publish(conn, row)
    return row


async def refresh_invoices(pool: asyncpg.Pool, kit: LightningKit, user_id: str) -> None:
    """Ask the node about the wallet's open invoices; settle or expire them."""
    async with pool.acquire() as conn:
        wallet_row = await repo.wallet_for_user(conn, user_id)
        if wallet_row is None:
            return
        pending = await repo.pending_invoices(conn, wallet_row.id)
    for row in pending:
        try:
            state = await kit.backend.lookup_invoice(row.payment_hash)
        except BackendUnavailable:
            return
        now = datetime.now(UTC)
        if not state.settled and not (row.expires_at and row.expires_at <= now):
            continue
        async with log.unit_of_work(pool) as conn:
            locked = await repo.lock_tx(conn, row.id)
            if locked is None or locked.status != "pending":
                continue
            if state.settled:
                await _settle_invoice(conn, locked, state.amount_paid_msat or locked.amount_msat, now)
            else:
                await _publish(conn, await repo.update_tx(conn, row.id, {"status": "expired"}))


async def resolve_in_flight(pool: asyncpg.Pool, kit: LightningKit, user_id: str) -> None:
    """Ask the node about payments it never answered (timeouts, 5xx): settle, fail or leave them.

    A payment the node never started (``lookup_payment`` → None) failed: its reservation returns.
    """
    wallet_row = await repo.wallet_for_user(pool, user_id)
    if wallet_row is None:
        return
    for row in await repo.in_flight(pool, wallet_row.id):
        try:
            result = await kit.backend.lookup_payment(row.payment_hash)
        except BackendUnavailable:
            return
        if result is None:
            result = PaymentResult("failed", row.payment_hash, failure_reason="not_initiated")
        if result.status != "in_flight":
            await _finish(pool, row, result)


# --- spending ------------------------------------------------------------------------------------

async def _publish(conn: asyncpg.Connection, row: repo.TxRecord) -> None:
    await log.append(conn, f"user:{row.user_id}:notifications", doc_key=f"wallet_tx:{row.id}",
                     kind="payments.transaction.updated",
                     payload={"transaction_id": row.id, "kind": row.kind, "direction": row.direction,
                              "status": row.status, "amount_msat": row.amount_msat, "fee_msat": row.fee_msat,
                              "payment_hash": row.payment_hash, "receipt_sha256": row.receipt_sha256})


async def _reserve(pool: asyncpg.Pool, kit: LightningKit, auth: AuthContext, *, kind: str, payment_key: str,
                   amount_msat: int, fee_limit_msat: int, payment_hash: str | None, payment_request: str | None,
                   destination: str | None, host: str | None, port: int | None, memo: str | None,
                   approved: bool, mode: str) -> tuple[repo.TxRecord, bool]:
    """Step 1 under the wallet lock: ``(transaction, is_new)``; an existing key returns its transaction."""
    async with pool.acquire() as conn, conn.transaction():
        wallet_row = await _wallet_or_404(conn, auth.user_id, lock=True)
        existing = await repo.tx_by_key(conn, wallet_row.id, payment_key)
        if existing is not None:
            if existing.kind != kind or (payment_hash and existing.payment_hash != payment_hash):
                raise Conflict("payment_key_reused", "This payment key was used for a different payment.",
                               details={"transaction_id": existing.id})
            return existing, False
        if payment_hash:
            paid = await repo.live_payment_for_hash(conn, wallet_row.id, payment_hash)
            if paid is not None:
                raise Conflict("invoice_already_paid", "This wallet already paid (or is paying) this invoice.",
                               details={"transaction_id": paid.id})
        policy = spend.SpendPolicy(wallet_row.max_payment_msat, wallet_row.daily_budget_msat,
                                   wallet_row.approval_threshold_msat, tuple(wallet_row.allowed_hosts))
        spent = await repo.spent_today_msat(conn, wallet_row.id)
        try:
            spend.decide(policy, amount_msat=amount_msat, fee_limit_msat=fee_limit_msat, spent_today_msat=spent,
                         balance_msat=wallet_row.balance_msat, host=host, port=port,
                         approved=approved and auth.kind == "session")
        except spend.PolicyRefusal as refusal:
            await audit(conn, "payments.spend.refused", outcome="denied", user_id=auth.user_id,
                        attributes={"wallet_id": wallet_row.id, "reason": refusal.reason, "amount_msat": amount_msat,
                                    "host": host})
            raise
        reserved = amount_msat + fee_limit_msat
        await repo.adjust_balance(conn, wallet_row.id, -reserved)
        row = await repo.insert_tx(conn, {
            "id": new_id("wtx"), "wallet_id": wallet_row.id, "user_id": auth.user_id, "kind": kind,
            "direction": "out", "status": "pending", "amount_msat": amount_msat, "reserved_msat": reserved,
            "payment_key": payment_key, "payment_hash": payment_hash, "payment_request": payment_request,
            "destination": destination, "host": host, "memo": memo, "mode": mode})
    return row, True


async def _finish(pool: asyncpg.Pool, row: repo.TxRecord, result: PaymentResult) -> repo.TxRecord:
    """Step 3: apply the backend's answer to the reserved transaction."""
    async with log.unit_of_work(pool) as conn:
        locked = await repo.lock_tx(conn, row.id)
        await repo.lock_wallet(conn, locked.user_id)
        if locked.status not in ("pending", "in_flight"):
            return locked
        reserved = locked.reserved_msat
        if result.status == "succeeded" and result.preimage and locked.payment_hash and (
                hashlib.sha256(bytes.fromhex(result.preimage)).hexdigest() != locked.payment_hash):
            result = PaymentResult("in_flight", locked.payment_hash, failure_reason="preimage_mismatch")
        if result.status == "succeeded":
            fee = min(result.fee_msat, reserved - locked.amount_msat)
            await repo.adjust_balance(conn, locked.wallet_id, reserved - locked.amount_msat - fee)
            now = datetime.now(UTC)
            done = {**msgspec.structs.asdict(locked), "status": "succeeded", "fee_msat": fee,
                    "preimage": result.preimage, "settled_at": now.isoformat()}
            receipt = receipts.build(done)
            updated = await repo.update_tx(conn, locked.id, {
                "status": "succeeded", "fee_msat": fee, "preimage": result.preimage, "reserved_msat": 0,
                "settled_at": now, "receipt": receipt, "receipt_sha256": receipts.digest(receipt),
                "failure_reason": None})
        elif result.status == "failed":
            await repo.adjust_balance(conn, locked.wallet_id, reserved)
            updated = await repo.update_tx(conn, locked.id, {"status": "failed", "reserved_msat": 0,
                                                                "failure_reason": result.failure_reason or "error"})
        else:
            updated = await repo.update_tx(conn, locked.id, {"status": "in_flight",
                                                                "failure_reason": result.failure_reason})
        await _publish(conn, updated)
        await audit(conn, f"payments.{updated.kind}.{updated.status}", user_id=updated.user_id,
                    outcome="success" if updated.status == "succeeded" else "failure",
                    attributes={"transaction_id": updated.id, "amount_msat": updated.amount_msat,
                                "reason": updated.failure_reason})
    return updated


def _outcome(row: repo.TxRecord) -> dict[str, Any]:
    if row.status == "failed":
        raise Conflict("payment_failed", f"The payment failed: {row.failure_reason}.", reason=row.failure_reason,
                       details={"transaction_id": row.id})
    return tx_view(row, with_receipt=True)


async def pay_invoice(pool: asyncpg.Pool, kit: LightningKit, auth: AuthContext, *, payment_request: str,
                      payment_key: str | None = None, amount_msat: int | None = None,
                      max_fee_msat: int | None = None, approved: bool = False, host: str | None = None,
                      port: int | None = None, memo: str | None = None) -> dict[str, Any]:
    """Pay a BOLT11 invoice from the caller's wallet, once per payment key, within the policy."""
    try:
        decoded = invoices.decode(payment_request)
    except invoices.InvalidInvoice as exc:
        raise Invalid("invalid_invoice", str(exc), field="invoice") from None
    if decoded.expired(time.time()):
        raise Invalid("invoice_expired", "The invoice has expired.", field="invoice")
    if decoded.amount_msat is None and not amount_msat:
        raise Invalid("amount_required", "The invoice names no amount: give amount_sats.", field="amount_sats")
    if decoded.amount_msat is not None and amount_msat and amount_msat != decoded.amount_msat:
        raise Invalid("amount_mismatch", "amount_sats differs from the invoice's amount.", field="amount_sats")
    amount = decoded.amount_msat or int(amount_msat or 0)
    fee_limit = spend.default_fee_limit(amount) if max_fee_msat is None else max_fee_msat
    row, new = await _reserve(pool, kit, auth, kind="payment", payment_key=payment_key or f"pay:{decoded.payment_hash}",
                              amount_msat=amount, fee_limit_msat=fee_limit, payment_hash=decoded.payment_hash,
                              payment_request=decoded.payment_request, destination=decoded.payee, host=host, port=port,
                              memo=memo or decoded.description, approved=approved, mode=kit.mode)
    if not new:
        return _outcome(row)
    try:
        result = await kit.backend.pay_invoice(decoded.payment_request, amount_msat=amount, fee_limit_msat=fee_limit,
                                               timeout_seconds=PAY_TIMEOUT_SECONDS)
    except BackendUnavailable as exc:
        result = PaymentResult("in_flight", decoded.payment_hash, failure_reason=exc.reason)
    except Exception:
        await _finish(pool, row, PaymentResult("in_flight", decoded.payment_hash, failure_reason="backend_error"))
        raise
    return _outcome(await _finish(pool, row, result))


async def send_spark(pool: asyncpg.Pool, kit: LightningKit, auth: AuthContext, *, spark_address: str,
                     amount_msat: int, payment_key: str | None, approved: bool = False) -> dict[str, Any]:
    """Spark transfers run in **mock mode** here (no Spark SDK in this platform): the policy, the ledger
    and the receipt are real; no money leaves. Every response says ``mode: "mock"``."""
    if not SPARK_ADDRESS.match(spark_address):
        raise Invalid("invalid_spark_address", "Not a Spark address (sp1…/sprt1…).", field="spark_address")
    key = payment_key or f"spark:{hashlib.sha256(f'{spark_address}|{amount_msat}|{time.time_ns()}'.encode()).hexdigest()[:32]}"
    row, new = await _reserve(pool, kit, auth, kind="spark_send", payment_key=key, amount_msat=amount_msat,
                              fee_limit_msat=0, payment_hash=None, payment_request=None, destination=spark_address,
                              host=None, port=None, memo=None, approved=approved, mode="mock")
    if not new:
        return _outcome(row)
    return _outcome(await _finish(pool, row, PaymentResult("succeeded", "", fee_msat=0)))


# --- reads ---------------------------------------------------------------------------------------

def _cursor(row: repo.TxRecord) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode().rstrip("=")


def parse_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, tx_id = text.partition("|")
        return datetime.fromisoformat(when), tx_id
    except (ValueError, UnicodeDecodeError):
        raise Invalid("invalid_cursor", "The cursor is not one this API gave out.", field="cursor") from None


async def transactions(pool: asyncpg.Pool, user_id: str, *, limit: int, cursor: str | None, status: str | None,
                       kind: str | None, direction: str | None) -> dict[str, Any]:
    before = parse_cursor(cursor)
    rows = await repo.list_txs(pool, user_id, limit=limit + 1, before=before, status=status, kind=kind,
                               direction=direction)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"transactions": [tx_view(r) for r in rows], "next_cursor": _cursor(rows[-1]) if more and rows else None}


async def transaction(pool: asyncpg.Pool, user_id: str, tx_id: str) -> dict[str, Any]:
    row = await repo.tx_for_user(pool, user_id, tx_id)
    if row is None:
        raise NotFound("transaction_not_found", "No such transaction in your wallet.")
    return tx_view(row, with_receipt=True)


async def wallet_id_for(pool: asyncpg.Pool, user_id: str) -> str | None:
    row = await repo.wallet_for_user(pool, user_id)
    return row.id if row else None
