"""Each integrations repository struct equals the row it was built from (``tests/support/rows.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.integrations import repository as repo

from tests.support.rows import read


async def test_every_integrations_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)
    await db.execute("INSERT INTO users (id, provider, provider_user_id, email) "
                     "VALUES ('usr_1', 'local', 'local_1', 'ada@example.com')")
    row = await read(db, lambda c: repo.upsert(c, "int_1", "usr_1", "resend", "full access", "re_…abcd", "k1",
                                               b"wrapped", b"sealed", ["email"], None))
    assert (row.id, row.provider, row.wrapped_key, row.ciphertext, row.scopes, row.last_error) == (
        "int_1", "resend", b"wrapped", b"sealed", ["email"], None)
    assert (await read(db, lambda c: repo.get(c, "usr_1", "resend", for_update=True))).key_id == "k1"
    assert await repo.get(db, "usr_1", "google") is None
    assert [r.provider for r in await read(db, lambda c: repo.list_for_user(c, "usr_1"))] == ["resend"]
    sealed = await read(db, lambda c: repo.not_on_key(c, "k2", 10))
    assert [(s.id, s.provider, s.key_id, s.wrapped_key, s.ciphertext) for s in sealed] == [
        ("int_1", "resend", "k1", b"wrapped", b"sealed")]

    await repo.insert_state(db, "st_1", "usr_1", "google", "verifier", "https://app/cb")
    state = await read(db, lambda c: repo.consume_state(c, "st_1"))
    assert (state.user_id, state.code_verifier, state.redirect_uri, state.consumed_at) == (
        "usr_1", "verifier", "https://app/cb", None)
    assert 0 <= state.age_seconds < 60
    assert (await read(db, lambda c: repo.consume_state(c, "st_1"))).consumed_at is not None
    assert await repo.consume_state(db, "st_unknown") is None

    await repo.insert_delivery(db, "em_1", "usr_1", "int_1", "bob@example.com", "Hi", "sent", 1)
    deliveries = await read(db, lambda c: repo.deliveries_for_user(c, "usr_1", 10))
    assert [(d.message_id, d.to_address, d.subject, d.state, d.last_event_at) for d in deliveries] == [
        ("em_1", "bob@example.com", "Hi", "sent", None)]

    unknown = await read(db, lambda c: repo.webhook_context(c, "msg_0", None))
    assert (unknown.status, unknown.user_id, unknown.state_rank) == (None, None, None)
    context = await read(db, lambda c: repo.webhook_context(c, "msg_1", "em_1"))
    assert (context.status, context.user_id, context.to_address, context.subject, context.state_rank) == (
        None, "usr_1", "bob@example.com", "Hi", 1)
    when = datetime.now(UTC)
    applied = await read(db, lambda c: repo.apply_event(c, "msg_1", "resend", "email.delivered", "em_1", b"{}",
                                                        "delivered", 2, when))
    assert (applied.outcome, applied.user_id, applied.to_address, applied.subject, applied.state) == (
        "applied", "usr_1", "bob@example.com", "Hi", "delivered")
    duplicate = await read(db, lambda c: repo.apply_event(c, "msg_1", "resend", "email.delivered", "em_1", b"{}",
                                                          "delivered", 2, when))
    assert (duplicate.outcome, duplicate.user_id) == (None, None)
    ignored = await read(db, lambda c: repo.apply_webhook(c, "msg_2", "resend", "email.sent", "em_1", b"{}",
                                                          "sent", 1, when, None))
    assert (ignored.outcome, ignored.user_id, ignored.seq) == ("ignored", None, None)
    failure = await read(db, lambda c: repo.record_failure(c, "msg_3", "resend", None, None, b"x", "bad", 30))
    assert failure.attempts == 1 and failure.next_retry_at is not None
    assert await repo.record_failure(db, "msg_1", "resend", None, None, b"x", "bad", 30) is None  # applied: kept
    event = await read(db, lambda c: repo.event(c, "msg_3"))
    assert (event.svix_id, event.status, event.last_error, event.raw_body, event.applied_at) == (
        "msg_3", "failed", "bad", b"x", None)
    assert await repo.event(db, "msg_9") is None
