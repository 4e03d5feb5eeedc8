"""Social rules: text, zones, duplicate suppression, post rates, blocks; each write and its Khala
event in one transaction (``khala.log.unit_of_work``)."""

from __future__ import annotations

import unicodedata
from typing import Any

import asyncpg

from openagents_server.audit import audit
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.social import events
from openagents_server.domains.social import repository as repo
from openagents_server.domains.social.responses import (
    Block,
    Conversation,
    Person,
    Report,
    ReportedShout,
    ReportQueue,
    Shout,
    ShoutPage,
    Whisper,
    WhisperPage,
    Zone,
    ZoneList,
)
from openagents_server.errors import Conflict, Forbidden, Invalid, NotFound
from openagents_server.khala import log
from openagents_server.rate_limit import Limit, enforce

#: anchor (issue 21): 500 characters after trimming.
MAX_TEXT = 500
#: The same text by the same person within this many seconds returns the first shout.
DUPLICATE_WINDOW_SECONDS = 30
#: anchor (issue 21): 10 shouts and 30 whispers a minute per person; reports are ours.
SHOUTS_PER_MINUTE = Limit("social_shout", 10, 60)
WHISPERS_PER_MINUTE = Limit("social_whisper", 30, 60)
REPORTS_PER_MINUTE = Limit("social_report", 20, 60)
#: The known zones, in tab order, with their labels. Ours; the original product's list is not in the seeds.
ZONES: dict[str, str] = {
    "general": "General",
    "agents": "Agents",
    "builds": "Builds",
    "lightning": "Lightning",
    "help": "Help",
}
DEFAULT_ZONE = "general"
#: Control characters a text may keep: line breaks and tabs (everything else in Unicode's Cc is refused).
_ALLOWED_CONTROLS = frozenset("\n\t")


def clean_text(raw: str, field: str = "text") -> str:
    """The stored text: CRLF → LF, trimmed, 1..500 characters, no control characters."""
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        raise Invalid("empty_text", "Write something first.", field=field)
    if len(text) > MAX_TEXT:
        raise Invalid("text_too_long", f"At most {MAX_TEXT} characters ({len(text)} given).", field=field)
    bad = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS})
    if bad:
        raise Invalid("control_characters", f"Control characters are not allowed: {', '.join(bad[:5])}.", field=field)
    return text


def check_zone(zone: str | None, field: str = "zone") -> str | None:
    if zone is not None and zone not in ZONES:
        raise Invalid("unknown_zone", f"Unknown zone {zone!r}; known: {', '.join(ZONES)}.", field=field)
    return zone


def person(user_id: str, name: str | None) -> Person:
    # Emails are private; a person without a name shows a stable handle from their id.
    return Person(id=user_id, display_name=name or f"member-{user_id[-6:]}")


def _shout(row: repo.ShoutRow) -> Shout:
    return Shout(id=row.id, seq=row.seq, zone=row.zone, text=row.body,
                 author=person(row.author_id, row.author_name), created_at=row.created_at.isoformat(),
                 hidden=row.hidden_at is not None)


def _whisper(row: repo.WhisperRow) -> Whisper:
    return Whisper(id=row.id, n=row.n, sender=person(row.sender_id, row.sender_name),
                   recipient=person(row.recipient_id, row.recipient_name), text=row.body,
                   created_at=row.created_at.isoformat(),
                   read_at=row.read_at.isoformat() if row.read_at else None)


def _counter(conn: asyncpg.Connection) -> asyncpg.Pool:
    """Rate counters are hit on the request's own connection (no second connection held while the
    first waits), inside its transaction: a refused or failed post does not use up the budget."""
    return conn  # type: ignore[return-value]  # rate_limit only runs single statements on it


# -- shouts ---------------------------------------------------------------------------------------

async def create_shout(pool: asyncpg.Pool, auth: AuthContext, *, text: str, zone: str | None) -> tuple[Shout, bool]:
    """Post a shout; returns ``(shout, created)``. A repeat of the same text within 30 s returns the
    first shout (``created=False``) and does not count against the rate."""
    body = clean_text(text)
    zone = check_zone(zone) or DEFAULT_ZONE
    async with log.unit_of_work(pool) as conn:
        await repo.lock_author(conn, auth.user_id)
        first = await repo.recent_same_shout(conn, auth.user_id, body, DUPLICATE_WINDOW_SECONDS)
        if first is not None:
            return _shout(first), False
        await enforce(_counter(conn), SHOUTS_PER_MINUTE, auth.user_id)
        _, name = await repo.user_name(conn, auth.user_id)
        created_at = await repo.now(conn)
        shout = Shout(id=new_id("sht"), seq=0, zone=zone, text=body, author=person(auth.user_id, name),
                      created_at=created_at.isoformat())
        shout.seq = await events.shout_created(conn, shout)
        await repo.insert_shout(conn, shout.id, shout.seq, auth.user_id, zone, body, created_at)
    return shout, True


async def list_shouts(conn: asyncpg.Connection, viewer: AuthContext | None, *, zone: str | None,
                      author_id: str | None, before: int | None, after: int | None, limit: int) -> ShoutPage:
    check_zone(zone)
    if before is not None and after is not None:
        raise Invalid("conflicting_cursors", "Pass before or after, not both.", field="after")
    # Read first: the page (read after it) holds every shout up to it (ADR 0702).
    watermark = await events.feed_head(conn) if before is None else None
    rows = await repo.shouts_page(conn, viewer_id=viewer.user_id if viewer else None, zone=zone, author_id=author_id,
                                  before=before, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if after is not None:
        rows.reverse()  # fetched oldest first so a burst is caught up in order; shown newest first
    shouts = [_shout(r) for r in rows]
    if after is not None:
        next_before = shouts[-1].seq if shouts else None
        next_after = shouts[0].seq if shouts else after
        has_newer = more
    else:
        next_before = shouts[-1].seq if shouts and more else None
        next_after = shouts[0].seq if shouts else None
        has_newer = False  # only an ``after`` page looks upwards
    return ShoutPage(shouts=shouts, next_before=next_before, next_after=next_after, has_newer=has_newer,
                     watermark=watermark)


async def zones(conn: asyncpg.Connection) -> ZoneList:
    counts = await repo.zone_counts(conn)
    return ZoneList(zones=[Zone(zone=z, label=label, shout_count=counts.get(z, 0)) for z, label in ZONES.items()],
                    default_zone=DEFAULT_ZONE)


async def report_shout(pool: asyncpg.Pool, auth: AuthContext, shout_id: str, reason: str | None) -> Report:
    if reason is not None:
        reason = reason.strip() or None
    async with pool.acquire() as conn:
        shout = await repo.shout(conn, shout_id)
        if shout is None or (shout.hidden_at is not None and shout.author_id != auth.user_id):
            raise NotFound("shout_not_found", "No such shout.")
        if shout.author_id == auth.user_id:
            raise Invalid("own_shout", "You cannot report your own shout.", field="shout_id")
        await enforce(_counter(conn), REPORTS_PER_MINUTE, auth.user_id)
        row = await repo.report(conn, new_id("rpt"), shout_id, auth.user_id, reason)
    return Report(id=row.id, shout_id=row.shout_id, reason=row.reason, created_at=row.created_at.isoformat())


# -- whispers -------------------------------------------------------------------------------------

async def send_whisper(pool: asyncpg.Pool, auth: AuthContext, *, recipient_id: str, text: str) -> Whisper:
    body = clean_text(text)
    if recipient_id == auth.user_id:
        raise Invalid("whisper_to_self", "You cannot whisper to yourself.", field="recipient_id")
    async with log.unit_of_work(pool) as conn:
        exists, _ = await repo.user_name(conn, recipient_id)
        if not exists:
            raise NotFound("person_not_found", "No such person.")
        blocked = await repo.is_blocked_between(conn, auth.user_id, recipient_id)
        if blocked == "b":
            raise Forbidden("blocked", "This person does not accept your whispers.")
        if blocked == "a":
            raise Forbidden("blocked_by_you", "You blocked this person; unblock them to whisper.")
        await enforce(_counter(conn), WHISPERS_PER_MINUTE, auth.user_id)
        whisper = _whisper(await repo.insert_whisper(conn, new_id("wsp"), auth.user_id, recipient_id, body))
        await events.whisper_changed(conn, whisper, events.WHISPER_CREATED)
    return whisper


async def mark_read(pool: asyncpg.Pool, auth: AuthContext, whisper_id: str) -> Whisper:
    """Only the recipient may; a third person learns nothing (404). Reading twice changes nothing."""
    async with log.unit_of_work(pool) as conn:
        row = await repo.whisper(conn, whisper_id, for_update=True)
        if row is None or auth.user_id not in (row.sender_id, row.recipient_id):
            raise NotFound("whisper_not_found", "No such whisper.")
        if row.recipient_id != auth.user_id:
            raise Forbidden("not_recipient", "Only the recipient can mark a whisper read.")
        if row.read_at is not None:
            return _whisper(row)
        await repo.mark_read(conn, whisper_id)
        whisper = _whisper(await repo.whisper(conn, whisper_id))
        await events.whisper_changed(conn, whisper, events.WHISPER_READ)
    return whisper


async def list_whispers(conn: asyncpg.Connection, auth: AuthContext, *, other_id: str | None, before: int | None,
                        limit: int) -> WhisperPage:
    rows = await repo.whispers_page(conn, auth.user_id, other_id=other_id, before=before, limit=limit + 1)
    more = len(rows) > limit
    whispers = [_whisper(r) for r in rows[:limit]]
    return WhisperPage(whispers=whispers, next_before=whispers[-1].n if more else None,
                       unread_count=await repo.unread_count(conn, auth.user_id))


async def conversations(conn: asyncpg.Connection, auth: AuthContext, limit: int) -> dict[str, Any]:
    rows = await repo.conversations(conn, auth.user_id, limit)
    items = []
    for r in rows:
        whisper = _whisper(r)
        other = whisper.recipient if whisper.sender.id == auth.user_id else whisper.sender
        items.append(Conversation(person=other, last_whisper=whisper, unread_count=r.unread))
    return {"conversations": items, "unread_count": await repo.unread_count(conn, auth.user_id)}


# -- blocks ---------------------------------------------------------------------------------------

async def block(conn: asyncpg.Connection, auth: AuthContext, user_id: str) -> Block:
    if user_id == auth.user_id:
        raise Invalid("block_self", "You cannot block yourself.", field="user_id")
    exists, _ = await repo.user_name(conn, user_id)
    if not exists:
        raise NotFound("person_not_found", "No such person.")
    row = await repo.block(conn, auth.user_id, user_id)
    return Block(person=person(row.blocked_id, row.name), created_at=row.created_at.isoformat())


async def unblock(conn: asyncpg.Connection, auth: AuthContext, user_id: str) -> bool:
    return await repo.unblock(conn, auth.user_id, user_id)


async def blocks(conn: asyncpg.Connection, auth: AuthContext) -> list[Block]:
    return [Block(person=person(r.blocked_id, r.name), created_at=r.created_at.isoformat())
            for r in await repo.blocks(conn, auth.user_id)]


# -- the admins' review queue (callers check ``identity.admin.require_admin``) -----------------------

REPORT_STATES = ("open", "resolved", "all")


def _reported(row: repo.ReviewRow) -> ReportedShout:
    shout = Shout(id=row.shout_id, seq=row.shout_seq, zone=row.shout_zone, text=row.shout_body,
                  author=person(row.author_id, row.author_name), created_at=row.shout_created_at.isoformat(),
                  hidden=row.shout_hidden_at is not None)
    return ReportedShout(id=row.id, n=row.n, shout=shout, reporter=person(row.reporter_id, row.reporter_name),
                         reason=row.reason, created_at=row.created_at.isoformat(),
                         reports_on_shout=row.reports_on_shout, resolution=row.resolution,
                         resolution_note=row.resolution_note,
                         resolved_at=row.resolved_at.isoformat() if row.resolved_at else None,
                         resolved_by=row.resolved_by)


async def report_queue(conn: asyncpg.Connection, *, state: str, before: int | None, limit: int) -> ReportQueue:
    if state not in REPORT_STATES:
        raise Invalid("unknown_state", f"state is one of {', '.join(REPORT_STATES)}.", field="state")
    rows = await repo.reports_page(conn, state=state, before=before, limit=limit + 1)
    reports = [_reported(r) for r in rows[:limit]]
    return ReportQueue(reports=reports, next_before=reports[-1].n if len(rows) > limit else None,
                       open_count=await repo.open_report_count(conn))


async def resolve_report(pool: asyncpg.Pool, admin: AuthContext, report_id: str, *, resolution: str,
                         note: str | None) -> ReportedShout:
    """Resolve an open report once; a second resolution is a 409 (the first admin's decision stands).

    ``actioned`` hides the shout (ADR 0702): lists leave it out for everyone but its author, a
    ``shout.hidden`` event on ``feed:public`` (same transaction) removes it from open feeds, and the
    shout's other open reports are resolved with it.
    """
    note = (note or "").strip() or None
    async with log.unit_of_work(pool) as conn:
        row = await repo.report_row(conn, report_id, for_update=True)
        if row is None:
            raise NotFound("report_not_found", "No such report.")
        if row.resolved_at is not None:
            raise Conflict("report_already_resolved", f"This report was already {row.resolution}.")
        await repo.resolve_report(conn, report_id, admin.user_id, resolution, note)
        hidden = False
        if resolution == "actioned":
            hidden = await repo.hide_shout(conn, row.shout_id, admin.user_id)
            await repo.resolve_open_reports_of(conn, row.shout_id, admin.user_id, resolution, note)
        resolved = _reported(await repo.report_row(conn, report_id))
        if hidden:
            await events.shout_hidden(conn, resolved.shout)
        await audit(conn, "social.report.resolved", user_id=admin.user_id, session_id=admin.credential_id,
                    attributes={"report_id": report_id, "shout_id": row.shout_id, "resolution": resolution,
                                "shout_hidden": hidden})
        return resolved
