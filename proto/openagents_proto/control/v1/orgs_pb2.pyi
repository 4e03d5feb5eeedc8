from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrgRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORG_ROLE_UNSPECIFIED: _ClassVar[OrgRole]
    ORG_ROLE_OWNER: _ClassVar[OrgRole]
    ORG_ROLE_ADMIN: _ClassVar[OrgRole]
    ORG_ROLE_MEMBER: _ClassVar[OrgRole]
    ORG_ROLE_VIEWER: _ClassVar[OrgRole]
ORG_ROLE_UNSPECIFIED: OrgRole
ORG_ROLE_OWNER: OrgRole
ORG_ROLE_ADMIN: OrgRole
ORG_ROLE_MEMBER: OrgRole
ORG_ROLE_VIEWER: OrgRole

class OrgMembership(_message.Message):
    __slots__ = ("org_id", "org_slug", "role", "role_scopes", "default_org")
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_SLUG_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ROLE_SCOPES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_ORG_FIELD_NUMBER: _ClassVar[int]
    org_id: str
    org_slug: str
    role: OrgRole
    role_scopes: _containers.RepeatedScalarFieldContainer[str]
    default_org: bool
    def __init__(self, org_id: _Optional[str] = ..., org_slug: _Optional[str] = ..., role: _Optional[_Union[OrgRole, str]] = ..., role_scopes: _Optional[_Iterable[str]] = ..., default_org: _Optional[bool] = ...) -> None: ...

class ListMembershipsRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class ListMembershipsResponse(_message.Message):
    __slots__ = ("request_id", "memberships", "active_org_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIPS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    memberships: _containers.RepeatedCompositeFieldContainer[OrgMembership]
    active_org_id: str
    def __init__(self, request_id: _Optional[str] = ..., memberships: _Optional[_Iterable[_Union[OrgMembership, _Mapping]]] = ..., active_org_id: _Optional[str] = ...) -> None: ...

class SetActiveOrgRequest(_message.Message):
    __slots__ = ("request_id", "org_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_id: str
    def __init__(self, request_id: _Optional[str] = ..., org_id: _Optional[str] = ...) -> None: ...

class SetActiveOrgResponse(_message.Message):
    __slots__ = ("request_id", "active_org_id", "membership")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ORG_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBERSHIP_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    active_org_id: str
    membership: OrgMembership
    def __init__(self, request_id: _Optional[str] = ..., active_org_id: _Optional[str] = ..., membership: _Optional[_Union[OrgMembership, _Mapping]] = ...) -> None: ...
