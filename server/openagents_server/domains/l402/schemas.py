"""Request bodies of the L402 routes."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from msgspec import Meta, Struct

from openagents_server.openapi_requests import at_least_one

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Service = Annotated[str, Meta(min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Prefix = Annotated[str, Meta(min_length=2, max_length=200, pattern=r"^/[A-Za-z0-9/_.~-]*$")]
Url = Annotated[str, Meta(min_length=8, max_length=2048)]
PriceSats = Annotated[int, Meta(ge=1, le=1_000_000, description="price per credential, satoshis (integer)")]
Ttl = Annotated[int, Meta(ge=60, le=30 * 86_400, description="credential lifetime in seconds")]


class _Body(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class CreatePaywallRequest(_Body):
    name: Name
    route_prefix: Prefix
    price_sats: PriceSats
    credential_ttl_seconds: Ttl = 3600
    service: Service | None = None
    upstream_url: Url | None = None
    enabled: bool = True


class UpdatePaywallRequest(_Body):
    #: /openapi.json: at least one field changes (a ``null`` leaves that field as it is).
    __openapi_extra__: ClassVar[dict[str, Any]] = at_least_one(
        "name", "route_prefix", "price_sats", "credential_ttl_seconds", "upstream_url", "enabled", non_null=True)
    name: Name | None = None
    route_prefix: Prefix | None = None
    price_sats: PriceSats | None = None
    credential_ttl_seconds: Ttl | None = None
    upstream_url: Url | None = None
    enabled: bool | None = None


class ControlPlaneRequest(Struct, forbid_unknown_fields=True, rename={"function_name": "functionName"}):
    function_name: Annotated[str, Meta(min_length=3, max_length=100)]
    args: Annotated[dict[str, Any], Meta(max_length=50)] = {}
