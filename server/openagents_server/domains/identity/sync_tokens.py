"""Mint Khala sync tokens: scopes from the caller's role, topics derived or checked against the ACL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from openagents_server.audit import audit
from openagents_server.domains.identity import problems
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.identity.credentials import new_id
from openagents_server.domains.orgs import policy
from openagents_server.domains.orgs import service as org_service
from openagents_server.domains.orgs.service import active_org_id
from openagents_server.errors import Invalid
from openagents_server.khala import topics as khala_topics
from openagents_server.khala.tokens import AUDIENCE, SigningKeys, mint_sync_token
from openagents_server.rate_limit import Limit

CLAIMS_VERSION = "oa_sync_claims_v1"

#: Public sync tokens (ADR 0700): anyone may mint one; it reads public topics and nothing else.
PUBLIC_TOPICS = ("feed:public",)
PUBLIC_SCOPES = (khala_topics.FEED.scope,)
#: Ours: 5 minutes (the longest any sync token lives, MAX_AGE_SECONDS); the client reconnects with a fresh one.
PUBLIC_TTL_SECONDS = 300
#: Ours: per client IP; a reader needs one every 5 minutes, a page reload one more.
PUBLIC_TOKENS_PER_IP = Limit("public_sync_token", 20, 60)
PUBLIC_ORG = "public"
#: Platform administrators' scopes (ADR 0604): granted to an admin's session when asked for (by scope,
#: or by naming an admin topic); anyone else asking is refused like any scope their role lacks.
ADMIN_SCOPES = (khala_topics.ADMIN_RUNTIME.scope,)
ADMIN_TOPICS = ("admin:runtime",)


async def issue(conn: asyncpg.Connection, auth: AuthContext, keys: SigningKeys, *, scopes: list[str] | None,
                topics: list[str] | None, ttl_seconds: int, device_id: str | None, issuer: str) -> dict[str, Any]:
    if device_id is not None and auth.device_id is not None and device_id != auth.device_id:
        await _denied(conn, auth, "device_mismatch")
        raise problems.forbidden("This session belongs to another device.", "device_mismatch")
    org_id = await active_org_id(conn, auth)
    membership = await org_service.membership(conn, auth.user_id, org_id) if org_id else None
    granted = tuple(s for s in policy.membership_scopes(membership) if s in policy.SYNC_SCOPES)
    if org_id is None or membership is None:
        raise problems.forbidden("No org membership grants sync access.", "not_a_member")
    # Public scopes (feed.read) are everyone's, whatever the role; they are granted when asked for
    # (by scope, or by naming a public topic) so a signed-in /feed needs no second, anonymous token.
    granted += PUBLIC_SCOPES
    if auth.admin:
        granted += ADMIN_SCOPES

    if scopes is None:
        chosen = tuple(s for s in granted if (s not in PUBLIC_SCOPES or _names_public_topic(topics))
                       and (s not in ADMIN_SCOPES or _names_admin_topic(topics)))
    else:
        known = (*policy.SYNC_SCOPES, *PUBLIC_SCOPES, *ADMIN_SCOPES)
        unknown = [s for s in scopes if s not in known]
        refused = [s for s in scopes if s in known and s not in granted]
        if unknown or refused:
            await _denied(conn, auth, "invalid_scope", scopes=unknown + refused)
            raise problems.invalid_scope("Requested sync scopes are not allowed.", unknown + refused)
        chosen = tuple(dict.fromkeys(scopes))

    if topics is None:
        chosen_topics = policy.default_topics(auth.user_id, org_id, membership.personal, chosen)
    else:
        chosen_topics = await _checked_topics(conn, auth, org_id, chosen, topics, scopes_explicit=scopes is not None)

    token, claims = mint_sync_token(
        keys, user_id=auth.user_id, org_id=org_id, session_id=auth.credential_id,
        device_id=auth.device_id or f"pat:{auth.token_id}", scopes=chosen, topics=chosen_topics,
        ttl_seconds=ttl_seconds, issuer=issuer,
    )
    await audit(conn, "sync.token.issued", user_id=auth.user_id, session_id=auth.credential_id, org_id=org_id,
                device_id=auth.device_id, attributes={"jti": claims.jti, "scopes": list(chosen),
                                                      "topics": chosen_topics, "kid": keys.active_kid})
    rules = {t: policy.parse_topic(t) for t in chosen_topics}
    return {
        "token": token,
        "token_type": "Bearer",
        "expires_in_seconds": claims.exp - claims.iat,
        "expires_at": datetime.fromtimestamp(claims.exp, UTC).isoformat(),
        "issuer": claims.iss,
        "audience": AUDIENCE,
        "subject": claims.sub,
        "org_id": org_id,
        "session_id": claims.oa_session_id,
        "device_id": claims.oa_device_id,
        "claims_version": CLAIMS_VERSION,
        "key_id": keys.active_kid,
        "token_id": claims.jti,
        "granted_scopes": list(chosen),
        "granted_topics": [{"topic": t, "required_scope": rules[t].scope} for t in chosen_topics if rules[t]],
    }


def _names_public_topic(topics: list[str] | None) -> bool:
    return bool(topics) and any(t in PUBLIC_TOPICS for t in topics or ())


def _names_admin_topic(topics: list[str] | None) -> bool:
    return bool(topics) and any(t in ADMIN_TOPICS for t in topics or ())


async def _checked_topics(conn: asyncpg.Connection, auth: AuthContext, org_id: str, scopes: tuple[str, ...],
                          topics: list[str], *, scopes_explicit: bool) -> list[str]:
    checked: list[str] = []
    for name in dict.fromkeys(topics):
        topic = policy.parse_topic(name)
        if topic is None:
            forms = ", ".join(policy.TOPIC_FORMS)
            raise Invalid(errors={"topics": [f"unknown topic {name[:80]!r}; known forms: {forms}"]})
        if topic.scope not in scopes:
            await _denied(conn, auth, "invalid_scope", topics=[name])
            hint = "add it to scopes" if scopes_explicit else "your role does not grant it"
            raise problems.invalid_scope(f"Topic {name} needs scope {topic.scope} ({hint}).", [topic.scope])
        reason = await policy.topic_denial(conn, topic, user_id=auth.user_id, org_id=org_id)
        if reason:
            await _denied(conn, auth, reason, topics=[name])
            raise problems.forbidden(f"Topic {name} is outside your access.", reason)
        checked.append(name)
    return checked


async def _denied(conn: asyncpg.Connection, auth: AuthContext, reason: str, **attributes: Any) -> None:
    await audit(conn, "sync.token.denied", outcome="denied", user_id=auth.user_id, session_id=auth.credential_id,
                device_id=auth.device_id, attributes={"reason": reason, **attributes})


def issue_public(keys: SigningKeys, *, issuer: str) -> dict[str, Any]:
    """A token for an anonymous reader: public scopes and topics only, a fresh random subject (so the
    per-user connection cap counts each reader apart and no user topic can match it), short TTL."""
    anon = new_id("anon")
    token, claims = mint_sync_token(
        keys, user_id=anon, org_id=PUBLIC_ORG, session_id=anon, device_id=anon, scopes=PUBLIC_SCOPES,
        topics=PUBLIC_TOPICS, ttl_seconds=PUBLIC_TTL_SECONDS, issuer=issuer,
    )
    return {
        "token": token,
        "token_type": "Bearer",
        "expires_in_seconds": claims.exp - claims.iat,
        "expires_at": datetime.fromtimestamp(claims.exp, UTC).isoformat(),
        "issuer": claims.iss,
        "audience": AUDIENCE,
        "subject": claims.sub,
        "org_id": PUBLIC_ORG,
        "session_id": claims.oa_session_id,
        "device_id": claims.oa_device_id,
        "claims_version": CLAIMS_VERSION,
        "key_id": keys.active_kid,
        "token_id": claims.jti,
        "granted_scopes": list(PUBLIC_SCOPES),
        "granted_topics": [{"topic": t, "required_scope": khala_topics.FEED.scope} for t in PUBLIC_TOPICS],
    }
