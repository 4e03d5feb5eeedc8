"""Roles, scopes and the topic ACL (ADR 0201): what a member of an org may read from Khala.

The topic grammar and scope names are Khala's (``khala/topics.py``), so minting a token and
subscribing with it apply the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from openagents_server.domains.orgs import repository as orgs
from openagents_server.domains.orgs.repository import MembershipRecord
from openagents_server.khala import topics as khala_topics

#: Sync scopes: one per Khala topic class, named in ``khala/topics.py`` (the single topic grammar).
RUN_EVENTS = khala_topics.RUN_EVENTS.scope
CODEX_WORKER_EVENTS = khala_topics.CODEX_WORKER_EVENTS.scope
CODEX_WORKER_SUMMARIES = khala_topics.WORKER_LIFECYCLE.scope
NOTIFICATIONS = khala_topics.NOTIFICATIONS.scope
SYNC_SCOPES = (RUN_EVENTS, CODEX_WORKER_EVENTS, CODEX_WORKER_SUMMARIES, NOTIFICATIONS)
#: Non-sync policy scopes.
ORG_MANAGE = "org.manage"
ALL_SCOPES = (*SYNC_SCOPES, ORG_MANAGE)

ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    "owner": ALL_SCOPES,
    "admin": ALL_SCOPES,
    "member": SYNC_SCOPES,
    "viewer": (RUN_EVENTS, CODEX_WORKER_SUMMARIES, NOTIFICATIONS),
}

#: Topic forms, for error messages.
TOPIC_FORMS = tuple(pattern.example for pattern in khala_topics.PATTERNS)


@dataclass(frozen=True)
class ParsedTopic:
    name: str
    scope: str
    owner_kind: str
    owner_id: str


def parse_topic(name: str) -> ParsedTopic | None:
    """The topic as policy sees it (the scope it needs, who owns it), or None if it is no topic."""
    try:
        topic = khala_topics.parse_topic(name)
    except khala_topics.TopicError:
        return None
    return ParsedTopic(topic.name, topic.topic_class.scope, topic.owner_kind, topic.owner_id)


def membership_scopes(membership: MembershipRecord | None) -> tuple[str, ...]:
    if membership is None:
        return ()
    return role_scopes(membership.role, membership.role_scopes)


def role_scopes(role: str, explicit: list[str] | None) -> tuple[str, ...]:
    """A member's scopes: the explicit ones when set, else the role's."""
    return tuple(explicit) if explicit is not None else ROLE_SCOPES[role]


def default_topics(user_id: str, org_id: str, personal_org: bool, scopes: tuple[str, ...]) -> list[str]:
    """Topics a token gets when the caller names none: the user's own, plus the org's for team orgs."""
    topics = []
    if CODEX_WORKER_SUMMARIES in scopes:
        topics.append(f"user:{user_id}:workers")
        if not personal_org:
            topics.append(f"org:{org_id}:workers")
    if CODEX_WORKER_EVENTS in scopes and not personal_org:
        topics.append(f"org:{org_id}:worker_events")
    if NOTIFICATIONS in scopes:
        topics.append(f"user:{user_id}:notifications")
    return topics


async def topic_denial(conn: asyncpg.Connection, topic: ParsedTopic, *, user_id: str, org_id: str) -> str | None:
    """Why the caller may not read ``topic`` (None = allowed). Scope is checked by the caller."""
    if topic.owner_kind == "user":
        return None if topic.owner_id == user_id else "topic_owned_by_another_user"
    if topic.owner_kind == "org":
        return None if topic.owner_id == org_id else "topic_outside_active_org"
    if topic.owner_kind in ("public", "admin"):  # the scope (checked by the caller) is all it needs (ADR 0604)
        return None
    # Run and worker topics: the runtime records their owner in khala_topics when it creates them.
    owner = await orgs.topic_owner(conn, topic.name)
    if owner is None:
        return "unknown_resource"
    if owner.owner_user_id == user_id or (owner.owner_org_id and owner.owner_org_id == org_id):
        return None
    return "resource_owned_by_another_user"
