"""Each l402 repository struct equals the row it was built from (``tests/support/rows.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.l402 import repository as l402

from tests.support.rows import read

HASH = "ab" * 32


async def test_every_l402_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)
    await db.execute("INSERT INTO users (id, provider, provider_user_id, email) "
                     "VALUES ('usr_1', 'local', 'local_1', 'ada@example.com')")
    values = {"id": "pw_1", "name": "Fortune", "service": "fortune", "route_prefix": "/api/l402/fortune",
              "upstream_url": None, "price_msat": 5000, "credential_ttl_seconds": 600, "enabled": True,
              "created_by": "usr_1"}
    paywall = await read(db, lambda c: l402.insert_paywall(c, values))
    assert (paywall.id, paywall.service, paywall.upstream_url, paywall.price_msat, paywall.enabled) == (
        "pw_1", "fortune", None, 5000, True)
    assert (await read(db, lambda c: l402.paywall(c, "pw_1", lock=True))).route_prefix == "/api/l402/fortune"
    assert await l402.paywall(db, "pw_9") is None
    assert (await read(db, lambda c: l402.update_paywall(c, "pw_1", {"enabled": False}))).enabled is False
    assert await l402.paywalls(db, enabled_only=True) == []
    assert [p.id for p in await read(db, l402.paywalls)] == ["pw_1"]

    await l402.insert_challenge(db, payment_hash=HASH, token_id="tok_1", paywall_id="pw_1", service="fortune",
                                amount_msat=5000, payment_request="lnbc1", expires_at=datetime.now(UTC) + timedelta(hours=1))
    challenge = await read(db, lambda c: l402.challenge(c, HASH))
    assert (challenge.payment_hash, challenge.token_id, challenge.paywall_id, challenge.amount_msat) == (
        HASH, "tok_1", "pw_1", 5000)
    assert await l402.challenge(db, "cd" * 32) is None
    settled = await read(db, lambda c: l402.insert_settlement(c, settlement_id="stl_1", payment_hash=HASH,
                                                              paywall_id="pw_1", service="fortune", amount_msat=5000,
                                                              source="credential"))
    assert (settled.id, settled.paywall_id, settled.source) == ("stl_1", "pw_1", "credential")
    assert await l402.insert_settlement(db, settlement_id="stl_2", payment_hash=HASH, paywall_id="pw_1",
                                        service="fortune", amount_msat=5000, source="node") is None
    assert (await read(db, lambda c: l402.settlement_by_hash(c, HASH))).id == "stl_1"
    page = await read(db, lambda c: l402.settlements(c, limit=10, before=None, paywall_id="pw_1"))
    assert [s.id for s in page] == ["stl_1"]
    totals = await read(db, l402.settlement_totals)
    assert (totals.count, totals.total_msat) == (1, 5000)
    assert await l402.paywall_owner(db, "pw_1") == "usr_1"

    deployment = await read(db, lambda c: l402.insert_deployment(c, deployment_id="dep_1", config_hash="sha256:x",
                                                                 paywall_ids=["pw_1"], status="pending",
                                                                 source="lightning-ops", diagnostics=[{"ok": True}]))
    assert (deployment.paywall_ids, deployment.status, deployment.diagnostics) == (["pw_1"], "pending", [{"ok": True}])
    applied = await read(db, lambda c: l402.update_deployment(c, "dep_1", "applied", None))
    assert (applied.status, applied.diagnostics) == ("applied", [{"ok": True}])
    assert await l402.update_deployment(db, "dep_9", "failed", None) is None
    assert [d.id for d in await read(db, lambda c: l402.deployments(c, 10))] == ["dep_1"]

    state = await read(db, l402.control_state)
    assert (state.paused, state.reason, state.updated_by) == (False, None, None)
    paused = await read(db, lambda c: l402.set_pause(c, True, "drill", "ops"))
    assert (paused.paused, paused.reason, paused.updated_by) == (True, "drill", "ops")
    removed = await read(db, lambda c: l402.delete_paywall(c, "pw_1"))
    assert removed.id == "pw_1" and await l402.delete_paywall(db, "pw_1") is None
