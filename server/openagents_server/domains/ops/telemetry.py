"""Client telemetry intake (``POST /api/telemetry``): the versioned, privacy-safe events of
``openagents.sync.client_telemetry.v1`` (reconnects, auth failures, replays, local storage resets,
renderer fallbacks), validated by the
contract and counted in ``openagents_client_telemetry_events_total`` by kind.

Events are counted, not stored: the dashboards need rates by kind and the contract already keeps
tokens, payloads and personal data out of them (the actor is a hash). Anyone may send them — a
signed-out client's auth failures matter most — so intake is rate limited per address.
"""

from __future__ import annotations

from typing import Any

from openagents_proto import bridge
from openagents_proto.errors import ContractError
from openagents_proto.sync import telemetry
from openagents_proto.sync.v1 import telemetry_pb2

from openagents_server.errors import Invalid
from openagents_server.metrics.families import CLIENT_TELEMETRY
from openagents_server.rate_limit import Limit

#: Events per request, and requests per address per minute (a client reports in small batches).
MAX_EVENTS = 50
TELEMETRY_PER_IP = Limit("telemetry", 120, 60)
KINDS = telemetry.DETAILS  # reconnect, auth_failure, replay, storage_reset, renderer_fallback


def accept(events: list[dict[str, Any]]) -> dict[str, int]:
    """Validate every event against the contract (all or nothing), then count them by kind."""
    parsed = []
    for index, event in enumerate(events):
        try:
            parsed.append(bridge.from_json(event, telemetry_pb2.ClientTelemetryEvent, telemetry.ClientTelemetryEvent))
        except ContractError as exc:
            field = f"events[{index}].{exc.field}"
            raise Invalid("invalid_telemetry", f"{field}: {exc.reason}", field=field) from None
    counts = dict.fromkeys(KINDS, 0)
    for event in parsed:
        kind = next(k for k in KINDS if getattr(event, k) is not None)
        counts[kind] += 1
    for kind, n in counts.items():
        if n:
            CLIENT_TELEMETRY.labels(kind).inc(n)
    return counts
