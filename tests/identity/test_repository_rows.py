"""Each repository struct reads its row by column name: fields are the SELECT's columns, in order.

Rows are built positionally (``User(*record)``: the cheap construction on the credential lookup
path), so a SELECT list and its struct that drift apart would silently swap values. This test runs
every struct-returning query of identity, orgs and tokens against a real database and compares the
struct with the record it was built from, name by name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.identity.credentials import token_hash
from openagents_server.domains.identity.repositories import challenges, sessions, users
from openagents_server.domains.orgs import repository as orgs
from openagents_server.domains.tokens import repository as tokens

from tests.support.rows import read


async def test_every_repository_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)  # JSON columns decode as the server's pool decodes them
    soon = datetime.now(UTC) + timedelta(minutes=10)

    user = await read(db, lambda c: users.insert(c, "usr_1", "local", "local_user_1", "ada@example.com", "Ada"))
    assert (user.id, user.email, user.name, user.provider_user_id) == ("usr_1", "ada@example.com", "Ada",
                                                                      "local_user_1")
    await read(db, lambda c: users.get(c, "usr_1"))
    await read(db, lambda c: users.get_by_email(c, "ada@example.com"))
    await read(db, lambda c: users.get_by_provider_id(c, "local", "local_user_1"))
    await read(db, lambda c: users.update_name(c, "usr_1", "Ada L."))
    await read(db, lambda c: users.update_identity(c, "usr_1", "ada@example.com", None))
    relinked = await read(db, lambda c: users.relink(c, "usr_1", "workos", "user_01"))
    assert (relinked.provider, relinked.provider_user_id, relinked.name) == ("workos", "user_01", "Ada L.")

    await orgs.create_personal(db, "org_1", "personal-1", "Personal", "usr_1")
    await orgs.create(db, "org_2", "team", "Team")
    await orgs.add_member(db, "org_2", "usr_1", "viewer", ["notifications.read"])
    listed = await read(db, lambda c: orgs.memberships(c, "usr_1"))
    assert [(m.org_id, m.role, m.role_scopes, m.default_org, m.personal) for m in listed] == [
        ("org_1", "owner", None, True, True), ("org_2", "viewer", ["notifications.read"], False, False)]
    assert (await read(db, lambda c: orgs.membership(c, "usr_1", "org_2"))).org_slug == "team"
    await db.execute("INSERT INTO khala_topics (topic, topic_class, owner_user_id) VALUES ('run:r1:events', 'run', 'usr_1')")
    assert (await read(db, lambda c: orgs.topic_owner(c, "run:r1:events"))).owner_user_id == "usr_1"

    await sessions.insert(db, session_id="sess_1", user_id="usr_1", device_id="dev-1", client_kind="api",
                          active_org_id="org_1", access_hash=token_hash("oa_at_1"), access_expires_at=soon,
                          user_agent="curl/8", ip_address="10.0.0.9")
    await sessions.insert_refresh(db, "rft_1", "sess_1", token_hash("oa_rt_1"), soon)
    found = await read(db, lambda c: sessions.by_access_hash(c, token_hash("oa_at_1")))
    assert (found.id, found.user_id, found.email, found.name, found.access_valid) == (
        "sess_1", "usr_1", "ada@example.com", "Ada L.", True)
    assert [m["org_id"] for m in found.memberships] == ["org_1", "org_2"]
    refresh = await read(db, lambda c: sessions.refresh_for_update(c, token_hash("oa_rt_1")))
    assert (refresh.refresh_id, refresh.session_id, refresh.refresh_status, refresh.session_status) == (
        "rft_1", "sess_1", "active", "active")
    session = await read(db, lambda c: sessions.get(c, "sess_1"))
    assert (session.user_agent, session.ip_address, session.active_org_id) == ("curl/8", "10.0.0.9", "org_1")
    await read(db, lambda c: sessions.list_for_user(c, "usr_1", True))

    await challenges.insert(db, "chal_1", "ada@example.com", "local", None, "local_user_1", "123456", soon)
    challenge = await read(db, lambda c: challenges.get_for_update(c, "chal_1"))
    assert (challenge.id, challenge.local_code, challenge.attempts, challenge.consumed_at) == (
        "chal_1", "123456", 0, None)
    await read(db, lambda c: challenges.latest_open_for_update(c, "ada@example.com"))
    assert (await read(db, lambda c: challenges.latest_local_code(c, "ada@example.com"))).local_code == "123456"

    token = await read(db, lambda c: tokens.insert(c, "pat_1", "usr_1", "ci", token_hash("oa_pat_1"),
                                                   ["runs:read"], soon))
    assert (token.id, token.name, token.abilities, token.last_used_at) == ("pat_1", "ci", ["runs:read"], None)
    await read(db, lambda c: tokens.list_for_user(c, "usr_1"))
    lookup = await read(db, lambda c: tokens.by_hash(c, token_hash("oa_pat_1")))
    assert (lookup.id, lookup.user_id, lookup.valid, lookup.stale, lookup.email) == (
        "pat_1", "usr_1", True, True, "ada@example.com")
    assert 0 < lookup.seconds_left <= 600
