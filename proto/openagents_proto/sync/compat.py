"""Client compatibility window: which client builds, protocol and schema versions a server accepts.

The one definition, used by Khala's HELLO, the HTTP gate (``x-oa-client-build``) and the shell; a
refusal is an explicit upgrade error, never a silent degrade.

Build ids: a **shell build** id starts with its UTC build time, ``YYYYMMDDTHHMMSSZ``, optionally
followed by ``-suffix`` (``openagents build`` names them so), and shell builds order by that time.
The window's build bounds apply to shell builds only: other clients (the CLI, native apps, load
generators) name their builds as they like (``openagents-cli/0.1``, ``desktop-1.2.0``) and are
judged by protocol and schema, which is what decides whether they can talk to us. A build id that
is neither (empty, too long, odd characters) is refused as ``unsupported_client_build``.
Pure Python, so it runs in Pyodide.
"""

from __future__ import annotations

import re

import msgspec

from openagents_proto.sync.limits import (
    MAX_ID_LENGTH,
    MAX_SCHEMA_VERSION,
    MIN_SCHEMA_VERSION,
    PROTOCOL_VERSION,
)

SHELL_BUILD_ID_RE = re.compile(r"(?P<stamp>\d{8}T\d{6}Z)(?:-[A-Za-z0-9._-]+)?")
#: Any client's build id (a shell build id is one of these).
BUILD_ID_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:/+\-]{{0,{MAX_ID_LENGTH - 1}}}")
#: The HTTP request header naming the client's build (the HTTP gate judges it like HELLO does).
CLIENT_BUILD_HEADER = "x-oa-client-build"


class CompatibilityWindow(msgspec.Struct, frozen=True, kw_only=True):
    """What a server (or a bundle's manifest) accepts; empty build bounds are open."""

    protocol_version: str = PROTOCOL_VERSION
    min_client_build_id: str = ""
    max_client_build_id: str = ""
    min_schema_version: int = MIN_SCHEMA_VERSION
    max_schema_version: int = MAX_SCHEMA_VERSION


class Negotiation(msgspec.Struct, frozen=True, kw_only=True):
    accepted: bool
    code: str = ""  # why not: upgrade_required, unsupported_protocol_version, ...
    upgrade_required: bool = False
    schema_version: int = 0  # the version to speak when accepted
    message: str = ""
    field: str = ""  # the HELLO field the refusal is about


def is_shell_build(client_build_id: str) -> bool:
    """A build id as ``openagents build`` names them (``YYYYMMDDTHHMMSSZ[-suffix]``)."""
    return SHELL_BUILD_ID_RE.fullmatch(client_build_id) is not None


def build_time(build_id: str) -> str:
    """The ordering key of a shell build id: its timestamp part."""
    return build_id[:16]


def _refuse(code: str, field: str, message: str) -> Negotiation:
    return Negotiation(accepted=False, code=code, upgrade_required=True, message=message, field=field)


def negotiate(window: CompatibilityWindow, *, client_build_id: str, protocol_version: str | None = None,
              schema_version: int | None = None, known_builds: frozenset[str] = frozenset()) -> Negotiation:
    """Accept a client, or say which upgrade it needs. ``schema_version`` is the client's highest;
    ``None`` (the HTTP gate, which knows only the build) skips that check, like ``protocol_version``.
    ``known_builds`` (bundles deployed on this server) are accepted above the maximum: after a
    rollback, clients still on the newer bundle keep working until they reload."""
    if protocol_version is not None and protocol_version != window.protocol_version:
        return _refuse("unsupported_protocol_version", "protocol_version",
                       f"protocol {protocol_version!r} is not served; this server speaks {window.protocol_version!r}")
    if schema_version is not None and schema_version < window.min_schema_version:
        return _refuse("unsupported_schema_version", "schema_version",
                       f"schema {schema_version} is below the supported range "
                       f"{window.min_schema_version}..{window.max_schema_version}")
    if schema_version is not None and schema_version > window.max_schema_version:
        # v1 clients state one version; a client ahead of the server must load a matching build
        return _refuse("unsupported_schema_version", "schema_version",
                       f"schema {schema_version} is above the supported range "
                       f"{window.min_schema_version}..{window.max_schema_version}")
    if BUILD_ID_RE.fullmatch(client_build_id) is None:
        return _refuse("unsupported_client_build", "client_build_id",
                       f"client build id {client_build_id[:40]!r} is not a build id "
                       "(letters, digits and ._:/+- , at most 128)")
    accepted = Negotiation(accepted=True, schema_version=schema_version or 0)
    if not is_shell_build(client_build_id):
        return accepted
    stamp = build_time(client_build_id)
    if window.min_client_build_id and stamp < build_time(window.min_client_build_id):
        return _refuse("upgrade_required", "client_build_id",
                       f"client build {client_build_id} is older than the oldest supported "
                       f"({window.min_client_build_id}); reload")
    if (window.max_client_build_id and stamp > build_time(window.max_client_build_id)
            and client_build_id not in known_builds):
        return _refuse("unsupported_client_build", "client_build_id",
                       f"client build {client_build_id} is newer than this server supports "
                       f"({window.max_client_build_id})")
    return accepted
