"""Request bodies: msgspec structs with bounds, so bad input is a 422 with field errors, never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from openagents_server.domains.identity.context import ABILITIES

#: Pragmatic address check (the provider does the real one): one @, a dot in the domain, no spaces.
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{1,63}$"
Email = Annotated[str, Meta(min_length=6, max_length=254, pattern=EMAIL_PATTERN, description="email address")]
Code = Annotated[str, Meta(pattern=r"^[0-9]{6}$", description="the 6-digit code from the email")]
DeviceId = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
ShortId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_:.-]+$")]
Name = Annotated[str, Meta(min_length=1, max_length=255)]
TokenName = Annotated[str, Meta(min_length=1, max_length=100)]
Scope = Annotated[str, Meta(min_length=1, max_length=64)]
TopicName = Annotated[str, Meta(min_length=1, max_length=200)]
#: A PAT ability: /openapi.json lists the known ones (the service refuses others with a 422 naming them).
Ability = Annotated[str, Meta(min_length=1, max_length=64, extra_json_schema={"enum": sorted(ABILITIES)})]
OpaqueToken = Annotated[str, Meta(min_length=1, max_length=128)]


class _Body(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class EmailRequest(_Body):
    email: Email


class VerifyRequest(_Body):
    email: Email
    code: Code
    challenge_id: ShortId | None = None
    device_id: DeviceId | None = None


class RegisterRequest(_Body):
    email: Email
    name: Name | None = None
    device_id: DeviceId | None = None


class RefreshRequest(_Body):
    #: Omit in the browser: the refresh cookie is used.
    refresh_token: OpaqueToken | None = None
    device_id: DeviceId | None = None


class RevokeSessionsRequest(_Body):
    """Exactly one target: ``session_ids``, ``device_id`` or ``revoke_all``."""

    session_ids: Annotated[list[ShortId], Meta(min_length=1, max_length=100)] | None = None
    device_id: DeviceId | None = None
    revoke_all: bool = False
    #: With ``revoke_all``: also end the session making this request (default: keep it).
    include_current: bool = False


class CreateTokenRequest(_Body):
    name: TokenName
    abilities: Annotated[list[Ability], Meta(min_length=1, max_length=16)] = msgspec.field(default_factory=lambda: ["*"])
    expires_at: Annotated[datetime, Meta(extra_json_schema={"format": "date-time"})] | None = None


class ProfilePatch(_Body):
    #: /openapi.json: an empty patch is refused ("nothing to update").
    __openapi_extra__: ClassVar[dict[str, Any]] = {"minProperties": 1}
    name: Name | None | UnsetType = UNSET


class ProfileDelete(_Body):
    email: Email


class ActiveOrgRequest(_Body):
    org_id: ShortId


class AuthorizeRequest(_Body):
    org_id: ShortId | None = None
    required_scopes: Annotated[list[Scope], Meta(max_length=32)] = msgspec.field(default_factory=list)
    requested_topics: Annotated[list[TopicName], Meta(max_length=50)] = msgspec.field(default_factory=list)


class SyncTokenRequest(_Body):
    scopes: Annotated[list[Scope], Meta(max_length=16)] | None = None
    topics: Annotated[list[TopicName], Meta(max_length=50)] | None = None
    ttl_seconds: Annotated[int, Meta(ge=60, le=900)] = 300
    device_id: DeviceId | None = None


class LegacyKhalaTokenRequest(_Body):
    scope: Annotated[list[Scope], Meta(max_length=16)] | None = None
    ttl_seconds: Annotated[int, Meta(ge=60, le=900)] = 300


class LoginEmailForm(Struct, kw_only=True):
    email: str = ""


class LoginVerifyForm(Struct, kw_only=True):
    code: str = ""
    email: str = ""
    next: str = "/"


class LogoutForm(Struct, kw_only=True):
    csrf_token: str = ""
