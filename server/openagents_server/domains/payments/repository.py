"""SQL of agent wallets, their transactions and their sealed L402 credentials (asyncpg, no rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec


class WalletRecord(msgspec.Struct, frozen=True):
    """A row of ``agent_wallets``."""

    id: str
    user_id: str
    balance_msat: int
    max_payment_msat: int
    daily_budget_msat: int
    approval_threshold_msat: int | None
    allowed_hosts: list[str]
    spark_address: str
    created_at: datetime
    updated_at: datetime


class TxRecord(msgspec.Struct, frozen=True):
    """A row of ``wallet_transactions``."""

    id: str
    wallet_id: str
    user_id: str
    kind: str
    direction: str
    status: str
    amount_msat: int
    fee_msat: int
    reserved_msat: int
    payment_key: str
    payment_hash: str | None
    payment_request: str | None
    preimage: str | None
    destination: str | None
    host: str | None
    memo: str | None
    mode: str
    failure_reason: str | None
    receipt: dict[str, Any] | None
    receipt_sha256: str | None
    expires_at: datetime | None
    created_at: datetime
    settled_at: datetime | None


class CredentialRecord(msgspec.Struct, frozen=True):
    """A sealed L402 credential of a wallet for one scope (``l402_credentials``)."""

    payment_hash: str
    key_id: str
    wrapped_key: bytes
    ciphertext: bytes
    expires_at: datetime | None


_WALLET = ", ".join(WalletRecord.__struct_fields__)
_TX = ", ".join(TxRecord.__struct_fields__)
_CREDENTIAL = ", ".join(CredentialRecord.__struct_fields__)


def _wallet(row: asyncpg.Record | None) -> WalletRecord | None:
    return None if row is None else WalletRecord(*row)


def _tx(row: asyncpg.Record | None) -> TxRecord | None:
    return None if row is None else TxRecord(*row)


async def wallet_for_user(conn: asyncpg.Connection | asyncpg.Pool, user_id: str) -> WalletRecord | None:
    return _wallet(await conn.fetchrow(f"SELECT {_WALLET} FROM agent_wallets WHERE user_id = $1", user_id))


async def lock_wallet(conn: asyncpg.Connection, user_id: str) -> WalletRecord | None:
    """The wallet row, locked until the transaction ends: every spend decision is made under it."""
    return _wallet(await conn.fetchrow(f"SELECT {_WALLET} FROM agent_wallets WHERE user_id = $1 FOR UPDATE", user_id))


async def insert_wallet(conn: asyncpg.Connection, wallet_id: str, user_id: str, *, max_payment_msat: int,
                        daily_budget_msat: int, approval_threshold_msat: int | None, allowed_hosts: list[str],
                        spark_address: str) -> WalletRecord | None:
    row = await conn.fetchrow(
        f"""INSERT INTO agent_wallets (id, user_id, max_payment_msat, daily_budget_msat, approval_threshold_msat,
                                       allowed_hosts, spark_address)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO NOTHING RETURNING {_WALLET}""",
        wallet_id, user_id, max_payment_msat, daily_budget_msat, approval_threshold_msat, allowed_hosts, spark_address)
    return _wallet(row)


async def update_policy(conn: asyncpg.Connection, wallet_id: str, changes: dict[str, Any]) -> WalletRecord:
    columns = [c for c in ("max_payment_msat", "daily_budget_msat", "approval_threshold_msat", "allowed_hosts")
               if c in changes]
    sets = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    row = await conn.fetchrow(
        f"UPDATE agent_wallets SET {sets}, updated_at = now() WHERE id = $1 RETURNING {_WALLET}",
        wallet_id, *(changes[c] for c in columns))
    return WalletRecord(*row)


async def adjust_balance(conn: asyncpg.Connection, wallet_id: str, delta_msat: int) -> int:
    return await conn.fetchval(
        "UPDATE agent_wallets SET balance_msat = balance_msat + $2, updated_at = now() WHERE id = $1 "
        "RETURNING balance_msat", wallet_id, delta_msat)


async def spent_today_msat(conn: asyncpg.Connection, wallet_id: str) -> int:
    """Outgoing money since UTC midnight: what succeeded (amount + fee) and what is still reserved."""
    return await conn.fetchval(
        """SELECT COALESCE(sum(CASE WHEN status = 'succeeded' THEN amount_msat + fee_msat ELSE reserved_msat END), 0)::bigint
           FROM wallet_transactions
           WHERE wallet_id = $1 AND direction = 'out' AND status IN ('pending', 'in_flight', 'succeeded')
             AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'""",
        wallet_id)


async def reserved_msat(conn: asyncpg.Connection | asyncpg.Pool, wallet_id: str) -> int:
    return await conn.fetchval(
        "SELECT COALESCE(sum(reserved_msat), 0)::bigint FROM wallet_transactions "
        "WHERE wallet_id = $1 AND status IN ('pending', 'in_flight') AND direction = 'out'", wallet_id)


async def tx_by_key(conn: asyncpg.Connection, wallet_id: str, payment_key: str) -> TxRecord | None:
    return _tx(await conn.fetchrow(f"SELECT {_TX} FROM wallet_transactions WHERE wallet_id = $1 AND payment_key = $2",
                                   wallet_id, payment_key))


async def live_payment_for_hash(conn: asyncpg.Connection, wallet_id: str, payment_hash: str) -> TxRecord | None:
    return _tx(await conn.fetchrow(
        f"SELECT {_TX} FROM wallet_transactions WHERE wallet_id = $1 AND payment_hash = $2 AND direction = 'out' "
        "AND status <> 'failed'", wallet_id, payment_hash))


async def insert_tx(conn: asyncpg.Connection, values: dict[str, Any]) -> TxRecord:
    columns = list(values)
    placeholders = ", ".join(f"${i + 1}" for i in range(len(columns)))
    row = await conn.fetchrow(
        f"INSERT INTO wallet_transactions ({', '.join(columns)}) VALUES ({placeholders}) RETURNING {_TX}",
        *values.values())
    return TxRecord(*row)


async def update_tx(conn: asyncpg.Connection, tx_id: str, values: dict[str, Any]) -> TxRecord:
    columns = list(values)
    sets = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    row = await conn.fetchrow(f"UPDATE wallet_transactions SET {sets} WHERE id = $1 RETURNING {_TX}",
                              tx_id, *values.values())
    return TxRecord(*row)


async def tx_for_user(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, tx_id: str) -> TxRecord | None:
    return _tx(await conn.fetchrow(f"SELECT {_TX} FROM wallet_transactions WHERE id = $1 AND user_id = $2",
                                   tx_id, user_id))


async def list_txs(conn: asyncpg.Connection | asyncpg.Pool, user_id: str, *, limit: int,
                   before: tuple[datetime, str] | None, status: str | None, kind: str | None,
                   direction: str | None) -> list[TxRecord]:
    rows = await conn.fetch(
        f"""SELECT {_TX} FROM wallet_transactions
            WHERE user_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
              AND ($4::text IS NULL OR direction = $4)
              AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6))
            ORDER BY created_at DESC, id DESC LIMIT $7""",
        user_id, status, kind, direction, before[0] if before else None, before[1] if before else "", limit)
    return [TxRecord(*r) for r in rows]


async def pending_invoices(conn: asyncpg.Connection, wallet_id: str, limit: int = 20) -> list[TxRecord]:
    rows = await conn.fetch(
        f"SELECT {_TX} FROM wallet_transactions WHERE wallet_id = $1 AND kind = 'invoice' AND status = 'pending' "
        "ORDER BY created_at LIMIT $2", wallet_id, limit)
    return [TxRecord(*r) for r in rows]


async def lock_tx(conn: asyncpg.Connection, tx_id: str) -> TxRecord | None:
    return _tx(await conn.fetchrow(f"SELECT {_TX} FROM wallet_transactions WHERE id = $1 FOR UPDATE", tx_id))


async def save_credential(conn: asyncpg.Connection | asyncpg.Pool, wallet_id: str, scope: str, payment_hash: str,
                          key_id: str, wrapped_key: bytes, ciphertext: bytes, expires_at: datetime | None) -> None:
    await conn.execute(
        """INSERT INTO l402_credentials (wallet_id, scope, payment_hash, key_id, wrapped_key, ciphertext, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (wallet_id, scope) DO UPDATE SET payment_hash = EXCLUDED.payment_hash, key_id = EXCLUDED.key_id,
               wrapped_key = EXCLUDED.wrapped_key, ciphertext = EXCLUDED.ciphertext, expires_at = EXCLUDED.expires_at,
               created_at = now()""",
        wallet_id, scope, payment_hash, key_id, wrapped_key, ciphertext, expires_at)


async def credential(conn: asyncpg.Connection | asyncpg.Pool, wallet_id: str, scope: str) -> CredentialRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_CREDENTIAL} FROM l402_credentials "
        "WHERE wallet_id = $1 AND scope = $2 AND (expires_at IS NULL OR expires_at > now())", wallet_id, scope)
    return None if row is None else CredentialRecord(*row)


async def forget_credential(conn: asyncpg.Connection | asyncpg.Pool, wallet_id: str, scope: str) -> None:
    await conn.execute("DELETE FROM l402_credentials WHERE wallet_id = $1 AND scope = $2", wallet_id, scope)


async def in_flight(conn: asyncpg.Connection | asyncpg.Pool, wallet_id: str, limit: int = 20) -> list[TxRecord]:
    rows = await conn.fetch(
        f"SELECT {_TX} FROM wallet_transactions WHERE wallet_id = $1 AND status = 'in_flight' AND kind = 'payment' "
        "ORDER BY created_at LIMIT $2", wallet_id, limit)
    return [TxRecord(*r) for r in rows]
