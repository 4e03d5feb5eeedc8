"""Client compatibility window: which client builds, protocol and schema versions a server accepts.

Checked at HELLO (Khala) and by the control service; a refusal is an explicit upgrade error, never
a silent degrade. Build ids start with a UTC timestamp ``YYYYMMDDTHHMMSSZ`` (optionally followed by
``-suffix``), so they order as strings.
"""

from __future__ import annotations

import re

import msgspec

from openagents_proto.sync.limits import MAX_SCHEMA_VERSION, MIN_SCHEMA_VERSION, PROTOCOL_VERSION

BUILD_ID_RE = re.compile(r"(?P<stamp>\d{8}T\d{6}Z)(?:-[A-Za-z0-9._-]+)?")


class CompatibilityWindow(msgspec.Struct, frozen=True, kw_only=True):
    protocol_version: str = PROTOCOL_VERSION
    min_client_build_id: str = ""  # "" = no lower bound
    max_client_build_id: str = ""  # "" = no upper bound
    min_schema_version: int = MIN_SCHEMA_VERSION
    max_schema_version: int = MAX_SCHEMA_VERSION


class Negotiation(msgspec.Struct, frozen=True, kw_only=True):
    accepted: bool
    code: str = ""  # why not: upgrade_required, unsupported_protocol_version, ...
    upgrade_required: bool = False
    schema_version: int = 0  # the version to speak when accepted
    message: str = ""


def _refuse(code: str, message: str) -> Negotiation:
    return Negotiation(accepted=False, code=code, upgrade_required=True, message=message)


def negotiate(window: CompatibilityWindow, *, client_build_id: str, protocol_version: str,
              schema_version: int) -> Negotiation:
    """Accept a client, or say which upgrade it needs. `schema_version` is the client's highest."""
    if protocol_version != window.protocol_version:
        return _refuse("unsupported_protocol_version",
                       f"protocol {protocol_version!r} is not served; this server speaks {window.protocol_version!r}")
    match = BUILD_ID_RE.fullmatch(client_build_id)
    if match is None:
        return _refuse("unsupported_client_build", f"client build id {client_build_id!r} is not YYYYMMDDTHHMMSSZ[-suffix]")
    stamp = match.group("stamp")
    if window.min_client_build_id and stamp < window.min_client_build_id[:16]:
        return _refuse("upgrade_required", f"client build {client_build_id} is older than {window.min_client_build_id}")
    if window.max_client_build_id and stamp > window.max_client_build_id[:16]:
        return _refuse("unsupported_client_build",
                       f"client build {client_build_id} is newer than this server supports ({window.max_client_build_id})")
    if schema_version < window.min_schema_version:
        return _refuse("unsupported_schema_version",
                       f"schema {schema_version} is below the supported range "
                       f"{window.min_schema_version}..{window.max_schema_version}")
    if schema_version > window.max_schema_version:
        # v1 clients state one version; a client ahead of the server must load a matching build
        return _refuse("unsupported_schema_version",
                       f"schema {schema_version} is above the supported range "
                       f"{window.min_schema_version}..{window.max_schema_version}")
    return Negotiation(accepted=True, schema_version=schema_version)
