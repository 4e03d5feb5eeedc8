"""Khala's HTTP side: the snapshot (rehydrate) endpoint and the operator endpoints.

``GET /api/sync/snapshot?topic=…`` (Bearer sync token, same ACL as SUBSCRIBE) returns the current
projection of a topic — the latest version of every document — and the watermark to resume from.
It serves every topic class; the class decides the ACL scope.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from openagents_server.dependencies import AppSettings, DbPool, Khala
from openagents_server.errors import Forbidden, Invalid, ReauthRequired, Unauthorized
from openagents_server.khala import auth, log
from openagents_server.khala.codes import KhalaClose
from openagents_server.khala.internal_auth import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from openagents_server.khala.metrics import NODE_STALE_SECONDS, merge
from openagents_server.khala.revocation import is_revoked
from openagents_server.khala.snapshot import read_snapshot
from openagents_server.khala.tokens import SyncTokenError, verify_sync_token
from openagents_server.openapi import ERRORS
from openagents_server.responses import Data
from openagents_server.settings import Settings

SNAPSHOT_PAGE_MAX = 1000


class PublishRequest(msgspec.Struct, forbid_unknown_fields=True):
    topic: str
    doc_key: str
    payload: Any
    kind: str = "upsert"
    doc_version: int | None = None
    idempotency_key: str | None = None
    expected_previous_seq: int | None = None


class SnapshotDocument(msgspec.Struct):
    doc_key: str
    doc_version: int | None
    seq: int
    kind: str
    #: The document's canonical JSON payload, as appended.
    payload: Any
    payload_hash: str


class SnapshotPage(msgspec.Struct):
    """One page of a topic's projection; resume the live stream from ``watermark`` after applying it."""

    topic: str
    topic_class: str
    watermark: int
    retention_floor: int
    documents: list[SnapshotDocument]
    next_cursor: str | None


class KhalaMetrics(msgspec.Struct):
    """Counters of the answering process, of every live node, and their totals."""

    node: dict[str, Any]
    nodes: list[dict[str, Any]]
    totals: dict[str, Any]


class Published(msgspec.Struct):
    topic: str
    seq: int
    duplicate: bool
    payload_hash: str


def _require_internal(request: Request[Any, Any, Any], settings: Settings) -> None:
    if not verify(settings.internal_api_key, request.method, request.url.path,
                  request.headers.get(TIMESTAMP_HEADER), request.headers.get(SIGNATURE_HEADER)):
        raise Unauthorized("unauthorized", "a valid internal signature is required")


class KhalaController(Controller):
    path = "/api"
    tags = ("khala",)  # type: ignore[assignment]

    @get("/sync/snapshot", responses=ERRORS)
    async def snapshot(
        self,
        request: Request[Any, Any, Any],
        pool: DbPool,
        khala: Khala,
        topic: FromQuery[str],
        after: Annotated[str | None, QueryParameter(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=SNAPSHOT_PAGE_MAX)] = 500,
    ) -> Data[SnapshotPage]:
        """Current projection of ``topic`` and the watermark to resume from after applying it."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            raise Unauthorized("unauthorized", "send the sync token as Authorization: Bearer …")
        keys = khala.keys
        try:
            claims = verify_sync_token(header[7:].strip(), keys)
        except SyncTokenError as exc:
            raise Unauthorized("unauthorized", str(exc), reason=exc.reason) from None
        # The WebSocket refuses tokens of revoked sessions at HELLO; so must every HTTP use (issue 18).
        if await is_revoked(pool, claims.oa_session_id):
            raise ReauthRequired("reauth_required", "The session of this sync token was revoked; sign in again.",
                                 reason="session_revoked")
        try:
            (parsed,) = auth.parse_requested([topic])
            states = await log.topic_states(pool, [topic])
            auth.authorize(claims, parsed, states.get(topic))
        except KhalaClose as exc:
            raise Forbidden("forbidden", exc.message, reason=exc.reason) from None
        try:
            page = await read_snapshot(pool, parsed, after=after, limit=limit)
        except ValueError as exc:
            raise Invalid("invalid_request", str(exc), field="after") from None
        return Data(msgspec.convert(page, SnapshotPage))

    @get("/internal/khala/metrics", responses=ERRORS)
    async def metrics(self, request: Request[Any, Any, Any], pool: DbPool, khala: Khala,
                      settings: AppSettings) -> Data[KhalaMetrics]:
        """Counters of the answering process (``node``), of every live node, and their totals.

        Each process publishes its counters every 5 s (``khala_node_stats``); nodes silent for 30 s
        are left out. Guarded by the internal signed key."""
        _require_internal(request, settings)
        hub = khala.hub
        await hub.publish_stats()
        rows = await pool.fetch(
            "SELECT stats FROM khala_node_stats WHERE updated_at > now() - make_interval(secs => $1) "
            "ORDER BY node_id", NODE_STALE_SECONDS,
        )
        nodes = [r["stats"] for r in rows]
        return Data(KhalaMetrics(hub.stats(), nodes, merge(nodes)))

    @post("/internal/khala/publish", status_code=201, responses=ERRORS)
    async def publish(self, request: Request[Any, Any, Any], pool: DbPool, khala: Khala, settings: AppSettings,
                      data: JSONBody[PublishRequest]) -> Data[Published]:
        """Append one event (operators and load tests; product writes append in their own transaction)."""
        _require_internal(request, settings)
        # A refused append is a DomainError (AppendError): the app's handler answers with the envelope.
        async with log.unit_of_work(pool) as conn:
            appended = await log.append(
                conn, data.topic, doc_key=data.doc_key, payload=data.payload, kind=data.kind,
                doc_version=data.doc_version, idempotency_key=data.idempotency_key,
                expected_previous_seq=data.expected_previous_seq,
            )
        # Wake this process's subscribers now; other processes hear the NOTIFY (a second wake-up is a no-op).
        khala.hub.on_event(appended.topic, appended.seq)
        return Data(Published(appended.topic, appended.seq, appended.duplicate, appended.payload_hash))
