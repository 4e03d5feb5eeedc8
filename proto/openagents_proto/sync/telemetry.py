"""Domain type of client sync telemetry (`v1/telemetry.proto`), converted with `bridge`.

Privacy rule: no tokens, payloads or personal data; the actor is identified only by a hash.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from openagents_proto.errors import ContractError
from openagents_proto.sync.domain import ClientSurface
from openagents_proto.types import Count, Domain, NonEmpty

TELEMETRY_SCHEMA_VERSION = "openagents.sync.client_telemetry.v1"
ActorHash = Annotated[str, msgspec.Meta(pattern=r"^sha256:[0-9a-f]{64}$")]
ReasonCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]  # a code, never free text


class ReconnectTelemetry(Domain, kw_only=True):
    attempt: Annotated[int, msgspec.Meta(ge=1)]
    backoff_ms: Count = 0
    resumed: bool = False
    last_applied_seq: Count = 0
    reason_code: ReasonCode


class AuthFailureTelemetry(Domain, kw_only=True):
    http_status: Annotated[int, msgspec.Meta(ge=400, le=599)]
    reason_code: ReasonCode
    refresh_attempted: bool = False


class ReplayTelemetry(Domain, kw_only=True):
    status: Literal["completed", "stale_cursor", "failed"]
    requested_after_seq: Count = 0
    oldest_available_seq: Count = 0
    head_seq: Count = 0
    catchup_duration_ms: Count = 0


StoreName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
RendererName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class StorageResetTelemetry(Domain, kw_only=True):
    reason_code: ReasonCode
    stores: Annotated[tuple[StoreName, ...], msgspec.Meta(max_length=16)] = ()
    watermarks_kept: bool = False
    records_dropped: Count = 0


class RendererFallbackTelemetry(Domain, kw_only=True):
    from_renderer: RendererName
    to_renderer: RendererName
    reason_code: ReasonCode


DETAILS = ("reconnect", "auth_failure", "replay", "storage_reset", "renderer_fallback")


class ClientTelemetryEvent(Domain, kw_only=True):
    schema_version: Literal["openagents.sync.client_telemetry.v1"] = TELEMETRY_SCHEMA_VERSION
    event_id: NonEmpty
    occurred_at_unix_ms: Annotated[int, msgspec.Meta(ge=1)]
    surface: ClientSurface
    client_build_id: NonEmpty
    app_version: str = ""
    protocol_version: NonEmpty
    topic: str = ""
    topic_class: str = ""
    actor_scope_hash: ActorHash
    session_id: str = ""
    reconnect: ReconnectTelemetry | None = None
    auth_failure: AuthFailureTelemetry | None = None
    replay: ReplayTelemetry | None = None
    storage_reset: StorageResetTelemetry | None = None
    renderer_fallback: RendererFallbackTelemetry | None = None

    def __post_init__(self) -> None:
        details = [n for n in DETAILS if getattr(self, n) is not None]
        if len(details) != 1:
            raise ContractError("detail", "missing" if not details else "duplicate",
                                f"exactly one of {', '.join(DETAILS)} is set")
        if self.surface is ClientSurface.UNSPECIFIED:
            raise ContractError("surface", "missing", "is required")
