"""The client compatibility window (fixture ``compatibility-negotiation-v1``), shared by the HTTP
gate here and Khala's HELLO handling: ``evaluate(window, request)`` says accept or which code.

Build ids order by their leading UTC timestamp (``20260221T120000Z`` or ``20260221T120000Z-<digest>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openagents_build.manifest import Compatibility

CLIENT_BUILD_HEADER = "x-oa-client-build"


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    code: str | None = None
    upgrade_required: bool = False


ACCEPTED = Verdict(True)


def build_time(build_id: str) -> str:
    """The ordering key of a build id: its timestamp part."""
    return build_id.split("-", 1)[0]


def evaluate(
    window: Compatibility,
    client_build_id: str,
    protocol_version: str | None = None,
    schema_version: int | None = None,
    *,
    known_builds: frozenset[str] = frozenset(),
) -> Verdict:
    """Judge a client. ``known_builds`` (bundles deployed here) are accepted above the maximum:
    after a rollback, clients still on the newer bundle keep working until they reload."""
    if protocol_version is not None and protocol_version != window.protocol_version:
        return Verdict(False, "unsupported_protocol_version", True)
    if schema_version is not None and not (
        window.min_schema_version <= schema_version <= window.max_schema_version
    ):
        return Verdict(False, "unsupported_schema_version", True)
    key = build_time(client_build_id)
    if key < build_time(window.min_client_build_id):
        return Verdict(False, "upgrade_required", True)
    if key > build_time(window.max_client_build_id) and client_build_id not in known_builds:
        return Verdict(False, "unsupported_client_build", True)
    return ACCEPTED


async def judge_client(app: Any, client_build_id: str, protocol_version: str | None = None,
                       schema_version: int | None = None, cohort_key: str | None = None) -> Verdict:
    """The gate for callers outside HTTP (Khala's HELLO): judge against the bundle this client is
    served (active, or canary for its cohort). With no bundle deployed every client is accepted.
    Khala closes with 4026 when ``verdict.upgrade_required``."""
    from openagents_server.web.rollout import choose_bundle

    hosting = app.state.web
    rollout = await hosting.rollout.get(getattr(app.state, "pool", None))
    bundle = choose_bundle(rollout, hosting.store, cohort_key).bundle
    if bundle is None:
        return ACCEPTED
    return evaluate(bundle.manifest.compatibility, client_build_id, protocol_version, schema_version,
                    known_builds=frozenset(hosting.store.bundles()))
