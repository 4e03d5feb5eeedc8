"""Revoking a session closes its sockets with reauth_required within 1 s, on every node."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from openagents_proto.sync import domain as d
from openagents_server.khala import log
from openagents_server.khala.revocation import revoke_sessions

from tests.khala.support import Closed, KhalaClient, token

TOPIC = "user:u1:workers"


async def test_revoke_during_stream_closes_every_nodes_sockets_within_one_second(
    live_server, db: asyncpg.Connection
) -> None:
    a, b = live_server(), live_server(workers=2)
    victims, bystanders = [], []
    for server in (a, b, b):
        victim = await KhalaClient.connect(server.ws_url)
        await victim.hello(token(session="sess-revoked"))
        await victim.subscribe([TOPIC])
        victims.append(victim)
        bystander = await KhalaClient.connect(server.ws_url)
        await bystander.hello(token(session="sess-other"))
        await bystander.subscribe([TOPIC])
        bystanders.append(bystander)
    await log.append(db, TOPIC, doc_key="w", payload={"state": "running"})
    for client in victims + bystanders:
        await client.batches({TOPIC: 1})

    started = time.monotonic()
    async with db.transaction():
        await revoke_sessions(db, ["sess-revoked"], "admin")
    closes = await asyncio.gather(*(v.expect_close(timeout=3) for v in victims))
    elapsed = time.monotonic() - started
    assert elapsed <= 1.0, f"revocation took {elapsed:.3f}s"
    for closed in closes:
        assert closed.code == 4010
        assert closed.error is not None and closed.error.code is d.SyncErrorCode.REAUTH_REQUIRED
        assert closed.error.retryable is False and closed.error.recovery is d.RecoveryHint.REAUTHENTICATE

    # Other sessions keep streaming.
    await log.append(db, TOPIC, doc_key="w", payload={"state": "done"})
    for client in bystanders:
        await client.batches({TOPIC: 2})
        await client.close()


async def test_reconnecting_with_a_revoked_sessions_token_is_refused(live_server, db: asyncpg.Connection) -> None:
    server = live_server()
    stale_token = token(session="sess-gone")
    async with db.transaction():
        await revoke_sessions(db, ["sess-gone"], "admin")
    client = await KhalaClient.connect(server.ws_url)
    await client.send(d.Hello(sync_token=stale_token, client_build_id="20260221T130000Z",
                              protocol_version="khala.ws.v1", schema_version=1))
    closed = await client.expect_close()
    assert closed.code == 4010 and closed.error is not None
    assert closed.error.code is d.SyncErrorCode.REAUTH_REQUIRED


async def test_revocation_rolled_back_closes_nothing(live_server, db: asyncpg.Connection) -> None:
    server = live_server()
    client = await KhalaClient.connect(server.ws_url)
    await client.hello(token(session="sess-kept"))
    await client.subscribe([TOPIC])
    tx = db.transaction()
    await tx.start()
    await revoke_sessions(db, ["sess-kept"], "admin")
    await tx.rollback()
    await log.append(db, TOPIC, doc_key="w", payload=1)
    try:
        await client.batches({TOPIC: 1}, timeout=3)
    except Closed as closed:  # pragma: no cover - the failure we test against
        raise AssertionError(f"socket closed by a rolled-back revocation: {closed}") from None
    await client.close()
