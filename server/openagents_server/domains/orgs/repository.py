"""Orgs and memberships."""

from __future__ import annotations

import asyncpg
import msgspec


class MembershipRecord(msgspec.Struct, frozen=True):
    """A user's membership of an org, with the org's slug and name."""

    org_id: str
    org_slug: str
    org_name: str
    role: str
    #: Explicit scopes; ``None`` means the role's defaults (``policy.ROLE_SCOPES``).
    role_scopes: list[str] | None
    default_org: bool
    #: The org is someone's personal org.
    personal: bool


class TopicOwner(msgspec.Struct, frozen=True):
    """Who owns a run or worker topic (recorded by the runtime in ``khala_topics``)."""

    owner_user_id: str | None
    owner_org_id: str | None


#: The SELECT list of :class:`MembershipRecord`, in its field order (rows are built positionally).
_MEMBERSHIP_COLUMNS = """m.org_id, o.slug AS org_slug, o.name AS org_name, m.role, m.role_scopes, m.default_org,
                  o.personal_owner_id IS NOT NULL AS personal"""


async def create_personal(conn: asyncpg.Connection, org_id: str, slug: str, name: str, user_id: str) -> None:
    await conn.execute(
        "INSERT INTO orgs (id, slug, name, personal_owner_id) VALUES ($1, $2, $3, $4)", org_id, slug, name, user_id
    )
    await conn.execute(
        "INSERT INTO org_memberships (org_id, user_id, role, default_org) VALUES ($1, $2, 'owner', true)",
        org_id, user_id,
    )


async def create(conn: asyncpg.Connection, org_id: str, slug: str, name: str) -> None:
    await conn.execute("INSERT INTO orgs (id, slug, name) VALUES ($1, $2, $3)", org_id, slug, name)


async def add_member(conn: asyncpg.Connection, org_id: str, user_id: str, role: str,
                     role_scopes: list[str] | None = None) -> None:
    await conn.execute(
        """INSERT INTO org_memberships (org_id, user_id, role, role_scopes) VALUES ($1, $2, $3, $4)
           ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role, role_scopes = EXCLUDED.role_scopes""",
        org_id, user_id, role, role_scopes,
    )


async def memberships(conn: asyncpg.Connection, user_id: str) -> list[MembershipRecord]:
    rows = await conn.fetch(
        f"""SELECT {_MEMBERSHIP_COLUMNS}
           FROM org_memberships m JOIN orgs o ON o.id = m.org_id
           WHERE m.user_id = $1 ORDER BY m.default_org DESC, o.created_at, o.id""",
        user_id,
    )
    return [MembershipRecord(*r) for r in rows]


async def membership(conn: asyncpg.Connection, user_id: str, org_id: str) -> MembershipRecord | None:
    row = await conn.fetchrow(
        f"""SELECT {_MEMBERSHIP_COLUMNS}
           FROM org_memberships m JOIN orgs o ON o.id = m.org_id
           WHERE m.user_id = $1 AND m.org_id = $2""",
        user_id, org_id,
    )
    return None if row is None else MembershipRecord(*row)


async def default_org_id(conn: asyncpg.Connection, user_id: str) -> str | None:
    return await conn.fetchval(
        "SELECT org_id FROM org_memberships WHERE user_id = $1 ORDER BY default_org DESC, created_at LIMIT 1",
        user_id,
    )


async def topic_owner(conn: asyncpg.Connection, topic: str) -> TopicOwner | None:
    row = await conn.fetchrow("SELECT owner_user_id, owner_org_id FROM khala_topics WHERE topic = $1", topic)
    return None if row is None else TopicOwner(*row)
