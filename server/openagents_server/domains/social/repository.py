"""Social SQL: shouts, whispers, blocks, reports (asyncpg; no rules)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

_SHOUT = """s.id, s.seq, s.zone, s.body, s.created_at, s.author_id, u.name AS author_name"""
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


async def recent_same_shout(conn: asyncpg.Connection, author_id: str, body: str, within_seconds: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {_SHOUT} FROM shouts s JOIN users u ON u.id = s.author_id
            WHERE s.author_id = $1 AND s.body = $2 AND s.created_at > now() - make_interval(secs => $3)
            ORDER BY s.seq DESC LIMIT 1""",
        author_id, body, within_seconds,
    )


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


async def shout(conn: asyncpg.Connection, shout_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_SHOUT} FROM shouts s JOIN users u ON u.id = s.author_id WHERE s.id = $1", shout_id
    )


async def shouts_page(conn: asyncpg.Connection, *, viewer_id: str | None, zone: str | None, author_id: str | None,
                      before: int | None, after: int | None, limit: int) -> list[asyncpg.Record]:
    """Keyset page: ``after`` → the oldest ``limit`` newer than it (ascending); else newest first
    below ``before``. Authors the viewer blocked are left out.

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
    if viewer_id is not None:
        where.append(f"""NOT EXISTS (SELECT 1 FROM social_blocks b
                                   WHERE b.blocker_id = {arg(viewer_id)} AND b.blocked_id = s.author_id)""")
    order = "ASC" if after is not None else "DESC"
    sql = (f"SELECT {_SHOUT} FROM shouts s JOIN users u ON u.id = s.author_id"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY s.seq {order} LIMIT {arg(limit)}")
    return await conn.fetch(sql, *args)


async def zone_counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT zone, shouts FROM shout_zone_counts")
    return {r["zone"]: r["shouts"] for r in rows}


async def insert_whisper(conn: asyncpg.Connection, whisper_id: str, sender_id: str, recipient_id: str,
                         body: str) -> asyncpg.Record:
    await conn.execute(
        "INSERT INTO whispers (id, sender_id, recipient_id, body) VALUES ($1, $2, $3, $4)",
        whisper_id, sender_id, recipient_id, body,
    )
    return await whisper(conn, whisper_id)


async def whisper(conn: asyncpg.Connection, whisper_id: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE OF w" if for_update else ""
    return await conn.fetchrow(f"SELECT {_WHISPER} FROM {_WHISPER_FROM} WHERE w.id = $1{lock}", whisper_id)


async def mark_read(conn: asyncpg.Connection, whisper_id: str) -> None:
    await conn.execute("UPDATE whispers SET read_at = now() WHERE id = $1 AND read_at IS NULL", whisper_id)


async def whispers_page(conn: asyncpg.Connection, user_id: str, *, other_id: str | None, before: int | None,
                        limit: int) -> list[asyncpg.Record]:
    """The user's whispers (sent or received), newest first; with ``other_id`` only that thread."""
    return await conn.fetch(
        f"""SELECT {_WHISPER} FROM {_WHISPER_FROM}
            WHERE ((w.sender_id = $1 AND ($2::text IS NULL OR w.recipient_id = $2))
                OR (w.recipient_id = $1 AND ($2::text IS NULL OR w.sender_id = $2)))
              AND ($3::bigint IS NULL OR w.n < $3)
            ORDER BY w.n DESC LIMIT $4""",
        user_id, other_id, before, limit,
    )


async def unread_count(conn: asyncpg.Connection, user_id: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM whispers WHERE recipient_id = $1 AND read_at IS NULL", user_id)


async def conversations(conn: asyncpg.Connection, user_id: str, limit: int) -> list[asyncpg.Record]:
    """Per other person: the latest whisper and how many from them are unread; latest first."""
    return await conn.fetch(
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


async def is_blocked_between(conn: asyncpg.Connection, a: str, b: str) -> str | None:
    """Who blocked whom between two people: ``"a"`` (a blocked b), ``"b"``, or None."""
    return await conn.fetchval(
        """SELECT CASE WHEN blocker_id = $1 THEN 'a' ELSE 'b' END FROM social_blocks
           WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)
           ORDER BY blocker_id = $2 DESC LIMIT 1""",
        a, b,
    )


async def block(conn: asyncpg.Connection, blocker_id: str, blocked_id: str) -> asyncpg.Record:
    return await conn.fetchrow(
        """WITH ins AS (INSERT INTO social_blocks (blocker_id, blocked_id) VALUES ($1, $2)
                        ON CONFLICT DO NOTHING RETURNING blocked_id, created_at)
           SELECT i.blocked_id, i.created_at, u.name FROM ins i JOIN users u ON u.id = i.blocked_id
           UNION ALL
           SELECT b.blocked_id, b.created_at, u.name FROM social_blocks b JOIN users u ON u.id = b.blocked_id
           WHERE b.blocker_id = $1 AND b.blocked_id = $2
           LIMIT 1""",
        blocker_id, blocked_id,
    )


async def unblock(conn: asyncpg.Connection, blocker_id: str, blocked_id: str) -> bool:
    result = await conn.execute("DELETE FROM social_blocks WHERE blocker_id = $1 AND blocked_id = $2",
                                blocker_id, blocked_id)
    return result != "DELETE 0"


async def blocks(conn: asyncpg.Connection, blocker_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT b.blocked_id, b.created_at, u.name FROM social_blocks b JOIN users u ON u.id = b.blocked_id
           WHERE b.blocker_id = $1 ORDER BY b.created_at DESC LIMIT 1000""",
        blocker_id,
    )


async def report(conn: asyncpg.Connection, report_id: str, shout_id: str, reporter_id: str,
                 reason: str | None) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO shout_reports (id, shout_id, reporter_id, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (shout_id, reporter_id) DO UPDATE SET reason = coalesce(EXCLUDED.reason, shout_reports.reason)
           RETURNING id, shout_id, reason, created_at""",
        report_id, shout_id, reporter_id, reason,
    )
