"""Who may connect and subscribe: token verification, compatibility window, topic ACL, Origin."""

from __future__ import annotations

from collections.abc import Iterable

from openagents_proto.sync.compat import CompatibilityWindow, negotiate
from openagents_proto.sync.domain import Hello
from openagents_proto.sync.limits import PROTOCOL_VERSION

from openagents_server.khala import codes
from openagents_server.khala.codes import KhalaClose
from openagents_server.khala.log import TopicState
from openagents_server.khala.tokens import SigningKeys, SyncTokenClaims, SyncTokenError, verify_sync_token
from openagents_server.khala.topics import Topic, TopicError, parse_topic

__all__ = ["PROTOCOL_VERSION", "authenticate", "authorize", "check_compatibility", "origin_allowed", "parse_requested"]


def authenticate(hello: Hello, keys: SigningKeys, now: int | None = None) -> SyncTokenClaims:
    try:
        return verify_sync_token(hello.sync_token, keys, now=now)
    except SyncTokenError as exc:
        raise KhalaClose(codes.UNAUTHORIZED, str(exc), reason=exc.reason, field="sync_token") from None


def check_compatibility(hello: Hello, window: CompatibilityWindow, known_builds: frozenset[str] = frozenset()) -> None:
    """The contract's window rules (``negotiate``, as the HTTP gate); a refusal closes with 4026."""
    verdict = negotiate(window, client_build_id=hello.client_build_id, protocol_version=hello.protocol_version,
                        schema_version=hello.schema_version, known_builds=known_builds)
    if not verdict.accepted:
        raise KhalaClose(codes.UPGRADE_REQUIRED, verdict.message, reason=verdict.code or "upgrade_required",
                         field=verdict.field)


def parse_requested(topics: Iterable[str]) -> list[Topic]:
    parsed = []
    for index, name in enumerate(topics):
        try:
            parsed.append(parse_topic(name))
        except TopicError as exc:
            raise KhalaClose(codes.BAD_SUBSCRIPTION, str(exc), reason="unknown_topic",
                             field=f"subscribe.topics[{index}]") from None
    return parsed


def authorize(claims: SyncTokenClaims, topic: Topic, state: TopicState | None) -> None:
    """Owner (user, or org for org topics; the recorded owner for run/worker topics) and scope."""
    klass = topic.topic_class
    if klass.scope not in claims.oa_sync_scopes:
        raise KhalaClose(codes.FORBIDDEN_TOPIC, f"token lacks scope {klass.scope}", reason="missing_scope",
                         field=topic.name)
    if claims.oa_sync_topics and topic.name not in claims.oa_sync_topics:
        raise KhalaClose(codes.FORBIDDEN_TOPIC, "topic is not among the token's granted topics",
                         reason="topic_not_granted", field=topic.name)
    if topic.owner_kind == "user":
        allowed = topic.owner_id == claims.oa_user_id
    elif topic.owner_kind == "org":
        allowed = topic.owner_id == claims.oa_org_id
    elif topic.owner_kind in ("public", "admin"):
        # issue 21: the scope (checked above) is all a public topic needs; an admin topic's scope is
        # minted for platform administrators' sessions only (ADR 0604)
        allowed = True
    else:
        allowed = state is not None and (
            (state.owner_user_id is not None and state.owner_user_id == claims.oa_user_id)
            or (state.owner_org_id is not None and state.owner_org_id == claims.oa_org_id)
        )
    if not allowed:
        raise KhalaClose(codes.FORBIDDEN_TOPIC, "topic belongs to someone else", reason="not_owner", field=topic.name)


def origin_allowed(origin: str | None, allowed: tuple[str, ...], public_origin: str) -> bool:
    """Browsers always send Origin; native clients send none and are allowed."""
    if origin is None:
        return True
    return origin in allowed or origin == public_origin
