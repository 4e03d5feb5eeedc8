"""Each ops repository struct equals the row it was built from (see ``tests/support/rows.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import msgspec
from openagents_server.db.pool import init_connection
from openagents_server.domains.ops import repository as ops

from tests.support.rows import read


async def test_every_ops_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)  # JSON columns decode as the server's pool decodes them
    await db.execute("INSERT INTO users (id, provider, provider_user_id, email, name) "
                     "VALUES ('usr_1', 'local', 'local_1', 'ada@example.com', NULL)")
    await db.execute("INSERT INTO audit_events (event_name, outcome, user_id, attributes) "
                     """VALUES ('ops.routing.changed', 'success', 'usr_1', '{"by": "ops"}')""")
    await db.execute("""INSERT INTO khala_node_stats (node_id, stats) VALUES ('n1', '{"connections": 3}')""")

    control = await read(db, lambda c: ops.upsert_control(c, "route_disabled", "/api/x", "closed", 30, "ops", "drill"))
    assert (control.kind, control.target, control.value, control.retry_after, control.reason) == (
        "route_disabled", "/api/x", "closed", 30, "drill")
    await ops.upsert_control(db, "driver_override", "all", "demo", 60, "ops", "drill")
    assert [c.kind for c in await read(db, ops.controls)] == ["driver_override", "route_disabled"]
    assert [(d.target, d.value) for d in await read(db, ops.driver_overrides)] == [("all", "demo")]
    removed = await read(db, lambda c: ops.delete_control(c, "route_disabled", "/api/x"))
    assert (removed.kind, removed.target, removed.value) == ("route_disabled", "/api/x", "closed")
    assert await ops.delete_control(db, "route_disabled", "/api/x") is None

    events = await read(db, lambda c: ops.audit_events(c, event_prefix="ops.", user_id="usr_1", outcome=None,
                                                      before_id=None, since=datetime.now(UTC) - timedelta(hours=1),
                                                      limit=10))
    assert [(e.event_name, e.outcome, e.user_id, e.attributes) for e in events] == [
        ("ops.routing.changed", "success", "usr_1", {"by": "ops"})]
    nodes = await read(db, lambda c: ops.live_nodes(c, 60))
    assert [(n.node_id, n.stats) for n in nodes] == [("n1", {"connections": 3})]
    rollout = await read(db, ops.rollout)
    assert (rollout.active_build_id, rollout.canary_build_id, rollout.killswitch) == (None, None, False)
    queues = await read(db, ops.queue_depths)
    assert msgspec.structs.asdict(queues) == {"runtime_requests_open": 0, "runtime_runs_open": 0, "workers_live": 0}
    user = await read(db, lambda c: ops.user_by_email(c, "ADA@example.com"))
    assert (user.id, user.email, user.name) == ("usr_1", "ada@example.com", None)
    assert await ops.user_by_email(db, "nobody@example.com") is None
