"""Response bodies of the identity routes (anchor: the control-auth-session-v1 fixture's shapes)."""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, Struct, UnsetType

from openagents_server.domains.orgs.responses import Membership


class User(Struct):
    id: str
    email: str
    name: str | None


class ProviderIdentity(Struct):
    provider: str
    provider_user_id: str
    email: str


class IssuedSession(Struct):
    """The session after sign-in or refresh: tokens for API clients, a CSRF token for browsers."""

    session_id: str
    user_id: str
    device_id: str
    status: str
    refresh_token_id: str
    access_expires_at: str
    refresh_expires_at: str
    active_org_id: str | None
    memberships: list[Membership]
    identity: ProviderIdentity
    reauth_required: bool
    access_token: str | UnsetType = UNSET
    refresh_token: str | UnsetType = UNSET
    csrf_token: str | UnsetType = UNSET


class SignedIn(Struct):
    new_user: bool
    token_type: Literal["Bearer"]
    user: User
    session: IssuedSession


class Refreshed(Struct):
    token_type: Literal["Bearer"]
    replaced_refresh_token_id: str | None
    session: IssuedSession


class ChallengeSent(Struct):
    challenge_id: str
    provider: str
    status: Literal["code_sent"]
    delivery_channel: Literal["email"]
    email_hint: str
    expires_at: str
    resend_allowed: bool


class SessionRow(Struct):
    session_id: str
    device_id: str
    client_kind: str
    status: str
    active_org_id: str | None
    current: bool
    created_at: str | None
    last_refreshed_at: str | None
    access_expires_at: str | None
    revoked_at: str | None
    revoked_reason: str | None
    user_agent: str | None
    ip_address: str | None


class CurrentSessionDetail(SessionRow):
    user_id: str
    memberships: list[Membership]
    identity: ProviderIdentity
    reauth_required: bool
    csrf_token: str | UnsetType = UNSET


class CurrentSession(Struct):
    session: CurrentSessionDetail
    user: User


class SessionList(Struct):
    sessions: list[SessionRow]


class RevokedSessions(Struct):
    revoked_session_ids: list[str]
    current_session_revoked: bool


class LoggedOut(Struct):
    revoked: bool
    session_id: str | None


class MeUser(Struct):
    id: str
    email: str
    name: str | None


class Credential(Struct):
    kind: Literal["session", "pat"]
    session_id: str | None
    device_id: str | None
    token_id: str | None
    abilities: list[str] | None


class Me(Struct):
    user: MeUser
    credential: Credential
    active_org_id: str | None
    memberships: list[Membership]
    #: A platform administrator (``domains/identity/admin.py``): the shell shows the admin pages.
    is_admin: bool = False


class ProfileIdentity(Struct):
    provider: str
    provider_user_id: str


class Profile(Struct):
    id: str
    email: str
    name: str | None
    identity: ProfileIdentity
    created_at: str
    updated_at: str


class Deleted(Struct):
    deleted: bool


class GrantedTopic(Struct):
    topic: str
    required_scope: str


class SyncToken(Struct):
    token: str
    token_type: Literal["Bearer"]
    expires_in_seconds: int
    expires_at: str
    issuer: str
    audience: str
    subject: str
    org_id: str
    session_id: str
    device_id: str
    claims_version: str
    key_id: str
    token_id: str
    granted_scopes: list[str]
    granted_topics: list[GrantedTopic]


class LegacySyncToken(Struct):
    token: str
    token_type: Literal["Bearer"]
    expires_in: int
    expires_at: str
    issuer: str
    audience: str
    subject: str
    org_id: str
    scopes: list[str]


class FormChallenge(Struct):
    """``/login/email`` answered as JSON (``Accept: application/json``)."""

    challenge_id: str
    status: Literal["code_sent"]


class FormSession(Struct):
    """``/login/verify`` answered as JSON."""

    session_id: str
    csrf_token: str


class SignedOut(Struct):
    signed_out: bool
