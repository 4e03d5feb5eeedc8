"""Each social repository struct equals the row it was built from (``tests/support/rows.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from openagents_server.db.pool import init_connection
from openagents_server.domains.social import repository as social

from tests.support.rows import read


async def test_every_social_struct_matches_the_row_it_was_built_from(db: asyncpg.Connection) -> None:
    await init_connection(db)
    for user_id, name in (("usr_a", "Ada"), ("usr_b", None), ("usr_c", "Cy")):
        await db.execute("INSERT INTO users (id, provider, provider_user_id, email, name) VALUES ($1, 'local', $1, $2, $3)",
                         user_id, f"{user_id}@example.com", name)
    await social.insert_shout(db, "sht_1", 1, "usr_a", "general", "hello", datetime.now(UTC))
    await social.insert_shout(db, "sht_2", 2, "usr_b", "l402", "hi", datetime.now(UTC))
    first = await read(db, lambda c: social.recent_same_shout(c, "usr_a", "hello", 30))
    assert (first.id, first.seq, first.zone, first.body, first.author_id, first.author_name) == (
        "sht_1", 1, "general", "hello", "usr_a", "Ada")
    assert await social.recent_same_shout(db, "usr_a", "other", 30) is None
    assert (await read(db, lambda c: social.shout(c, "sht_2"))).author_name is None
    assert await social.shout(db, "sht_9") is None
    page = await read(db, lambda c: social.shouts_page(c, viewer_id="usr_c", zone=None, author_id=None, before=None,
                                                       after=None, limit=10))
    assert [s.id for s in page] == ["sht_2", "sht_1"]

    whisper = await read(db, lambda c: social.insert_whisper(c, "wsp_1", "usr_a", "usr_b", "psst"))
    assert (whisper.id, whisper.body, whisper.read_at, whisper.sender_id, whisper.sender_name, whisper.recipient_id,
            whisper.recipient_name) == ("wsp_1", "psst", None, "usr_a", "Ada", "usr_b", None)
    await social.insert_whisper(db, "wsp_2", "usr_c", "usr_b", "hey")
    assert (await read(db, lambda c: social.whisper(c, "wsp_1", for_update=True))).n == whisper.n
    assert await social.whisper(db, "wsp_9") is None
    await social.mark_read(db, "wsp_1")
    page = await read(db, lambda c: social.whispers_page(c, "usr_b", other_id=None, before=None, limit=10))
    assert [(w.id, w.read_at is not None) for w in page] == [("wsp_2", False), ("wsp_1", True)]
    talks = await read(db, lambda c: social.conversations(c, "usr_b", 10))
    assert [(t.id, t.other, t.unread) for t in talks] == [("wsp_2", "usr_c", 1), ("wsp_1", "usr_a", 0)]

    blocked = await read(db, lambda c: social.block(c, "usr_c", "usr_a"))
    assert (blocked.blocked_id, blocked.name) == ("usr_a", "Ada")
    assert (await read(db, lambda c: social.block(c, "usr_c", "usr_a"))).created_at == blocked.created_at
    assert [(b.blocked_id, b.name) for b in await read(db, lambda c: social.blocks(c, "usr_c"))] == [("usr_a", "Ada")]

    report = await read(db, lambda c: social.report(c, "rpt_1", "sht_1", "usr_c", "spam"))
    assert (report.id, report.shout_id, report.reason) == ("rpt_1", "sht_1", "spam")
    await social.report(db, "rpt_2", "sht_1", "usr_b", None)
    queue = await read(db, lambda c: social.reports_page(c, state="open", before=None, limit=10))
    assert [(r.id, r.reporter_name, r.shout_body, r.author_name, r.reports_on_shout) for r in queue] == [
        ("rpt_2", None, "hello", "Ada", 2), ("rpt_1", "Cy", "hello", "Ada", 2)]
    await social.resolve_report(db, "rpt_1", "usr_a", "dismissed", "fine")
    resolved = await read(db, lambda c: social.report_row(c, "rpt_1", for_update=True))
    assert (resolved.resolution, resolved.resolution_note, resolved.resolved_by, resolved.shout_id, resolved.shout_seq,
            resolved.shout_zone) == ("dismissed", "fine", "usr_a", "sht_1", 1, "general")
    assert await social.report_row(db, "rpt_9") is None

    # A hidden shout (ADR 0702): its author still gets it, with hidden_at; the review row carries it too.
    assert resolved.shout_hidden_at is None
    assert await social.hide_shout(db, "sht_1", "usr_a") is True
    assert await social.hide_shout(db, "sht_1", "usr_a") is False
    hidden = await read(db, lambda c: social.shout(c, "sht_1"))
    assert hidden.hidden_at is not None
    own = await read(db, lambda c: social.shouts_page(c, viewer_id="usr_a", zone=None, author_id=None, before=None,
                                                      after=None, limit=10))
    assert [(s.id, s.hidden_at is not None) for s in own] == [("sht_2", False), ("sht_1", True)]
    assert (await read(db, lambda c: social.report_row(c, "rpt_2"))).shout_hidden_at == hidden.hidden_at
