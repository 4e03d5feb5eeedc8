"""Social SQL: shouts, whispers, blocks, reports (asyncpg; no rules)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec


class ShoutRow(msgspec.Struct, frozen=True):
    """A shout with its author's name."""

    id: str
    seq: int
    zone: str
    body: str
    created_at: datetime
    author_id: str
    author_name: str | None
    #: When an admin hid it (ADR 0702); only its author still sees it.
    hidden_at: datetime | None


class WhisperRow(msgspec.Struct, frozen=True):
    """A whisper with both people's names."""

    id: str
    n: int
    body: str
    created_at: datetime
    read_at: datetime | None
    sender_id: str
    sender_name: str | None
    recipient_id: str
    recipient_name: str | None


class ConversationRow(WhisperRow, frozen=True):
    """The latest whisper with one other person, and how many from them are unread."""

    other: str
    unread: int


class BlockRow(msgspec.Struct, frozen=True):
    blocked_id: str
    created_at: datetime
    name: str | None


class ReportRow(msgspec.Struct, frozen=True):
    """What :func:`report` stored."""

    id: str
    shout_id: str
    reason: str | None
    created_at: datetime


class ReviewRow(msgspec.Struct, frozen=True):
    """A report in the admins' review queue, with its shout and how many reports that shout has."""

    id: str
    n: int
    reason: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None
    resolution_note: str | None
    reporter_id: str
    reporter_name: str | None
    resolved_by: str | None
    shout_id: str
    shout_seq: int
    shout_zone: str
    shout_body: str
    shout_created_at: datetime
    shout_hidden_at: datetime | None
    author_id: str
    author_name: str | None
    reports_on_shout: int


_SHOUT = """s.id, s.seq, s.zone, s.body, s.created_at, s.author_id, u.name AS author_name, s.hidden_at"""
_WHISPER = """w.id, w.n, w.body, w.created_at, w.read_at, w.sender_id, su.name AS sender_name,
              w.recipient_id, ru.name AS recipient_name"""
_WHISPER_FROM = "whispers w JOIN users su ON su.id = w.sender_id JOIN users ru ON ru.id = w.recipient_id"


async def user_name(conn: asyncpg.Connection, user_id: str) -> tuple[bool, str | None]:
    """(exists, name) of a user."""
    row = await conn.fetchrow("SELECT name FROM users WHERE id = $1", user_id)
    return (row is not None, row["name"] if row else None)


async def now(conn: asyncpg.Connection) -> datetime:
    """The transaction's timestamp (the row's ``created_at`` and its event's agree)."""
    return await conn.fetchval("SELECT now()")


async def lock_author(conn: asyncpg.Connection, user_id: str) -> None:
    """Serialise one person's posts until commit (so a double submit sees the first)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('social:' || $1, 0))", user_id)


async def recent_same_shout(conn: asyncpg.Connection, author_id: str, body: str, within_seconds: int) -> ShoutRow | None:
    row = await conn.fetchrow(
        f"""SELECT {_SHOUT} FROM shouts s JOIN users u ON u.id = s.author_id
            WHERE s.author_id = $1 AND s.body = $2 AND s.created_at > now() - make_interval(secs => $3)
            ORDER BY s.seq DESC LIMIT 1""",
        author_id, body, within_seconds,
    )
    return None if row is None else ShoutRow(*row)


async def insert_shout(conn: asyncpg.Connection, shout_id: str, seq: int, author_id: str, zone: str, body: str,
                       created_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO shouts (id, seq, author_id, zone, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        shout_id, seq, author_id, zone, body, created_at,
    )
    await conn.execute(
        """INSERT INTO shout_zone_counts AS c (zone, shouts) VALUES ($1, 1)
           ON CONFLICT (zone) DO UPDATE SET shouts = c.shouts + 1""",
        zone,
    )


async def shout(conn: asyncpg.Connection, shout_id: str) -> ShoutRow | None:
    row = await conn.fetchrow(
        f"SELECT {_SHOUT} FROM shouts s JOIN users u ON u.id = s.author_id WHERE s.id = $1", shout_id
    )
    return None if row is None else ShoutRow(*row)


async def shouts_page(conn: asyncpg.Connection, *, viewer_id: str | None, zone: str | None, author_id: str | None,
                      before: int | None, after: int | None, limit: int) -> list[ShoutRow]:
    """Keyset page: ``after`` → the oldest ``limit`` newer than it (ascending); else newest first
    below ``before``. Authors the viewer blocked are left out, and hidden shouts (ADR 0702) but the
    viewer's own.

    Only the predicates in use are written (no ``$n IS NULL OR …``), so each combination gets its own
    prepared plan and the cursor is an index range on ``seq`` (the deep page costs what the first does).
    """
    where: list[str] = []
    args: list[object] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if zone is not None:
        where.append(f"s.zone = {arg(zone)}")
    if author_id is not None:
        where.append(f"s.author_id = {arg(author_id)}")
    if after is not None:
        where.append(f"s.seq > {arg(after)}")
    elif before is not None:
        where.append(f"s.seq < {arg(before)}")
    if viewer_id is None:
        where.append("s.hidden_at IS NULL")
    else:
        where.append(f"(s.hidden_at IS NULL OR s.author_id = {arg(viewer_id)})")
        where.append(f"""NOT EXISTS (SELECT 1 FROM social_blocks b
                                   WHERE b.blocker_id = {arg(viewer_id)} AND b.blocked_id = s.author_id)""")
    order = "ASC" if after is not None else "DESC"
    sql = (f"SELECT {_SHOUT} FROM shouts s JOIN users u ON u.id = s.author_id"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY s.seq {order} LIMIT {arg(limit)}")
    return [ShoutRow(*r) for r in await conn.fetch(sql, *args)]


async def hide_shout(conn: asyncpg.Connection, shout_id: str, admin_id: str) -> bool:
    """Hide a shout once (False: it already was); its zone stops counting it."""
    zone = await conn.fetchval(
        "UPDATE shouts SET hidden_at = now(), hidden_by = $2 WHERE id = $1 AND hidden_at IS NULL RETURNING zone",
        shout_id, admin_id,
    )
    if zone is None:
        return False
    await conn.execute("UPDATE shout_zone_counts SET shouts = greatest(shouts - 1, 0) WHERE zone = $1", zone)
    return True


async def zone_counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT zone, shouts FROM shout_zone_counts")
    return {r["zone"]: r["shouts"] for r in rows}


async def insert_whisper(conn: asyncpg.Connection, whisper_id: str, sender_id: str, recipient_id: str,
                         body: str) -> WhisperRow:
    await conn.execute(
        "INSERT INTO whispers (id, sender_id, recipient_id, body) VALUES ($1, $2, $3, $4)",
        whisper_id, sender_id, recipient_id, body,
    )
    row = await whisper(conn, whisper_id)
    assert row is not None
    return row


async def whisper(conn: asyncpg.Connection, whisper_id: str, *, for_update: bool = False) -> WhisperRow | None:
    lock = " FOR UPDATE OF w" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_WHISPER} FROM {_WHISPER_FROM} WHERE w.id = $1{lock}", whisper_id)
    return None if row is None else WhisperRow(*row)


async def mark_read(conn: asyncpg.Connection, whisper_id: str) -> None:
    await conn.execute("UPDATE whispers SET read_at = now() WHERE id = $1 AND read_at IS NULL", whisper_id)


async def whispers_page(conn: asyncpg.Connection, user_id: str, *, other_id: str | None, before: int | None,
                        limit: int) -> list[WhisperRow]:
    """The user's whispers (sent or received), newest first; with ``other_id`` only that thread."""
    rows = await conn.fetch(
        f"""SELECT {_WHISPER} FROM {_WHISPER_FROM}
            WHERE ((w.sender_id = $1 AND ($2::text IS NULL OR w.recipient_id = $2))
                OR (w.recipient_id = $1 AND ($2::text IS NULL OR w.sender_id = $2)))
              AND ($3::bigint IS NULL OR w.n < $3)
            ORDER BY w.n DESC LIMIT $4""",
        user_id, other_id, before, limit,
    )
    return [WhisperRow(*r) for r in rows]


async def unread_count(conn: asyncpg.Connection, user_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM whispers WHERE recipient_id = $1 AND read_at IS NULL", user_id)


async def conversations(conn: asyncpg.Connection, user_id: str, limit: int) -> list[ConversationRow]:
    """Per other person: the latest whisper and how many from them are unread; latest first."""
    rows = await conn.fetch(
        f"""WITH latest AS (
                SELECT DISTINCT ON (other) w.id, CASE WHEN w.sender_id = $1 THEN w.recipient_id ELSE w.sender_id END AS other
                FROM whispers w WHERE w.sender_id = $1 OR w.recipient_id = $1
                ORDER BY other, w.n DESC)
            SELECT {_WHISPER}, latest.other,
                   (SELECT count(*) FROM whispers x WHERE x.recipient_id = $1 AND x.sender_id = latest.other
                                                      AND x.read_at IS NULL) AS unread
            FROM latest JOIN {_WHISPER_FROM} ON w.id = latest.id
            ORDER BY w.n DESC LIMIT $2""",
        user_id, limit,
    )
    return [ConversationRow(*r) for r in rows]


async def is_blocked_between(conn: asyncpg.Connection, a: str, b: str) -> str | None:
    """Who blocked whom between two people: ``"a"`` (a blocked b), ``"b"``, or None."""
    return await conn.fetchval(
        """SELECT CASE WHEN blocker_id = $1 THEN 'a' ELSE 'b' END FROM social_blocks
           WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)
           ORDER BY blocker_id = $2 DESC LIMIT 1""",
        a, b,
    )


async def block(conn: asyncpg.Connection, blocker_id: str, blocked_id: str) -> BlockRow:
    row = await conn.fetchrow(
        """WITH ins AS (INSERT INTO social_blocks (blocker_id, blocked_id) VALUES ($1, $2)
                        ON CONFLICT DO NOTHING RETURNING blocked_id, created_at)
           SELECT i.blocked_id, i.created_at, u.name FROM ins i JOIN users u ON u.id = i.blocked_id
           UNION ALL
           SELECT b.blocked_id, b.created_at, u.name FROM social_blocks b JOIN users u ON u.id = b.blocked_id
           WHERE b.blocker_id = $1 AND b.blocked_id = $2
           LIMIT 1""",
        blocker_id, blocked_id,
    )
    return BlockRow(*row)


async def unblock(conn: asyncpg.Connection, blocker_id: str, blocked_id: str) -> bool:
    result = await conn.execute("DELETE FROM social_blocks WHERE blocker_id = $1 AND blocked_id = $2",
                                blocker_id, blocked_id)
    return result != "DELETE 0"


async def blocks(conn: asyncpg.Connection, blocker_id: str) -> list[BlockRow]:
    rows = await conn.fetch(
        """SELECT b.blocked_id, b.created_at, u.name FROM social_blocks b JOIN users u ON u.id = b.blocked_id
           WHERE b.blocker_id = $1 ORDER BY b.created_at DESC LIMIT 1000""",
        blocker_id,
    )
    return [BlockRow(*r) for r in rows]


async def report(conn: asyncpg.Connection, report_id: str, shout_id: str, reporter_id: str,
                 reason: str | None) -> ReportRow:
    row = await conn.fetchrow(
        """INSERT INTO shout_reports (id, shout_id, reporter_id, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (shout_id, reporter_id) DO UPDATE SET reason = coalesce(EXCLUDED.reason, shout_reports.reason)
           RETURNING id, shout_id, reason, created_at""",
        report_id, shout_id, reporter_id, reason,
    )
    return ReportRow(*row)


# -- the admins' review queue ---------------------------------------------------------------------

#: The columns of :class:`ReviewRow`, in its field order.
_REPORT = """r.id, r.n, r.reason, r.created_at, r.resolved_at, r.resolution, r.resolution_note,
             r.reporter_id, ru.name AS reporter_name, r.resolved_by,
             s.id AS shout_id, s.seq AS shout_seq, s.zone AS shout_zone, s.body AS shout_body,
             s.created_at AS shout_created_at, s.hidden_at AS shout_hidden_at, s.author_id, au.name AS author_name,
             (SELECT count(*) FROM shout_reports o WHERE o.shout_id = r.shout_id) AS reports_on_shout"""
_REPORT_FROM = """shout_reports r JOIN shouts s ON s.id = r.shout_id JOIN users ru ON ru.id = r.reporter_id
                  JOIN users au ON au.id = s.author_id"""


async def reports_page(conn: asyncpg.Connection, *, state: str, before: int | None, limit: int) -> list[ReviewRow]:
    """Newest first below ``before``; ``state``: open, resolved or all."""
    where = {"open": "r.resolved_at IS NULL", "resolved": "r.resolved_at IS NOT NULL", "all": "true"}[state]
    rows = await conn.fetch(
        f"""SELECT {_REPORT} FROM {_REPORT_FROM}
            WHERE {where} AND ($1::bigint IS NULL OR r.n < $1) ORDER BY r.n DESC LIMIT $2""",
        before, limit,
    )
    return [ReviewRow(*r) for r in rows]


async def report_row(conn: asyncpg.Connection, report_id: str, *, for_update: bool = False) -> ReviewRow | None:
    lock = " FOR UPDATE OF r" if for_update else ""
    row = await conn.fetchrow(f"SELECT {_REPORT} FROM {_REPORT_FROM} WHERE r.id = $1{lock}", report_id)
    return None if row is None else ReviewRow(*row)


async def resolve_report(conn: asyncpg.Connection, report_id: str, admin_id: str, resolution: str,
                         note: str | None) -> None:
    await conn.execute(
        """UPDATE shout_reports SET resolved_at = now(), resolved_by = $2, resolution = $3, resolution_note = $4
           WHERE id = $1""",
        report_id, admin_id, resolution, note,
    )


async def resolve_open_reports_of(conn: asyncpg.Connection, shout_id: str, admin_id: str, resolution: str,
                                  note: str | None) -> int:
    """Resolve every still-open report of a shout the same way (the shout was hidden: they are moot)."""
    result = await conn.execute(
        """UPDATE shout_reports SET resolved_at = now(), resolved_by = $2, resolution = $3, resolution_note = $4
           WHERE shout_id = $1 AND resolved_at IS NULL""",
        shout_id, admin_id, resolution, note,
    )
    return int(result.split()[-1])


async def open_report_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM shout_reports WHERE resolved_at IS NULL")
