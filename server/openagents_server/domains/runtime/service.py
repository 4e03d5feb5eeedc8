"""Workers, runs and requests: the state machines, ownership, the event log and receipts.

Every state change and the events recording it commit in one transaction
(``log.unit_of_work``); the read models are projected in that transaction too. Ownership: a worker,
its runs and threads are visible to their owner only; anyone else gets 404 (existence is not
leaked), and Khala refuses their topics (``register``).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
from openagents_proto.codex.domain import METHOD_BY_TEXT, parse_params
from openagents_proto.errors import ContractError
from openagents_proto.runtime.domain import RunStatus, WorkerStatus

from openagents_server import audit, rate_limit
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.runtime import access, events, lifecycle, projector, receipts
from openagents_server.domains.runtime import repository as repo
from openagents_server.domains.runtime.repository import Message, Request, Run, RunScope, Thread, Worker
from openagents_server.errors import Conflict, Invalid, NotFound
from openagents_server.khala import log
from openagents_server.metrics.families import RUNTIME_RUN_TRANSITIONS, RUNTIME_WORKER_HEARTBEATS

#: The Codex app-server methods a worker executes, and the params each needs.
METHODS: dict[str, tuple[str, ...]] = {
    "thread/start": (),
    "thread/resume": ("thread_id",),
    "turn/start": ("thread_id", "text"),
    "turn/interrupt": ("thread_id",),
    "thread/list": (),
    "thread/read": ("thread_id",),
}
#: anchor (issue 20): 60 requests a minute per worker.
WORKER_REQUESTS = rate_limit.Limit("codex_worker_requests", 60, 60)
LATE_SECONDS = 60
_Owned = TypeVar("_Owned", Worker, Run, Thread)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def heartbeat_age(row: Worker) -> float | None:
    beat = row.last_heartbeat_at
    return None if beat is None else round(max(0.0, (datetime.now(UTC) - beat).total_seconds()), 1)


def heartbeat_state(row: Worker) -> str:
    beat = row.last_heartbeat_at
    if beat is None:
        return "missing"
    age = (datetime.now(UTC) - beat).total_seconds()
    if age > lifecycle.HEARTBEAT_STALE_SECONDS:
        return "missing"
    return "late" if age > LATE_SECONDS else "healthy"


def worker_view(row: Worker) -> dict[str, Any]:
    return {
        "worker_id": row.id,
        "status": row.status,
        "latest_seq": row.latest_seq,
        "adapter": row.adapter,
        "owner_user_ref": f"user:{row.owner_user_id}",
        "org_id": row.org_id,
        "metadata": json.loads(row.metadata),
        "heartbeat_state": heartbeat_state(row),
        "heartbeat_age_s": heartbeat_age(row),
        "last_heartbeat_at": _iso(row.last_heartbeat_at),
        "started_at": _iso(row.started_at),
        "updated_at": _iso(row.updated_at),
        "topic": events.worker_topic(row.id),
    }


def run_view(row: Run) -> dict[str, Any]:
    return {
        "run_id": row.id, "worker_id": row.worker_id, "request_id": row.request_id,
        "thread_id": row.thread_id, "status": row.status, "reason_class": row.reason_class or "",
        "latest_seq": row.latest_seq, "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
    }


def _projection(run_id: str, worker_id: str, seq: int) -> dict[str, Any]:
    return {"runtime_source": "runtime", "runtime_run_id": run_id, "runtime_worker_id": worker_id,
            "runtime_seq": seq, "runtime_seq_end": seq, "projection_version": 1,
            "projected_at": _iso(datetime.now(UTC))}


def _owned(row: _Owned | None, auth: AuthContext, what: str = "worker") -> _Owned:
    if row is None or row.owner_user_id != auth.user_id:
        raise NotFound(f"{what}_not_found", f"No such {what}.")
    return row


# ------------------------------------------------------------------------------------ workers

async def _publish_worker(conn: asyncpg.Connection, row: Worker, kind: str, reason: str = "") -> Worker:
    """Record a worker lifecycle event on its topic and its summary on the owner's (and org's) topics."""
    appended = await events.append(conn, events.worker_topic(row.id), kind, row.id,
                                   {"worker_id": row.id, "event_type": kind, "status": row.status,
                                    "reason": reason})
    row = await repo.set_worker(conn, row.id, latest_seq=appended.seq)
    summary = {k: v for k, v in worker_view(row).items() if k not in {"updated_at", "last_heartbeat_at", "heartbeat_age_s"}}
    await events.append(conn, events.user_workers_topic(row.owner_user_id), "worker.summary", row.id, summary)
    if row.org_id:
        await events.append(conn, events.org_workers_topic(row.org_id), "worker.summary", row.id, summary)
    await events.admin(conn, "admin.worker", row.id,
                       {"worker_id": row.id, "event_type": kind, "status": row.status, "adapter": row.adapter,
                        "owner_user_id": row.owner_user_id, "reason": reason})
    return row


async def create_worker(pool: asyncpg.Pool, auth: AuthContext, *, worker_id: str | None, adapter: str,
                        metadata: dict[str, str], idempotency_key: str | None) -> tuple[dict[str, Any], bool]:
    """Register a worker (status ``starting``). The same idempotency key or the caller's own stopped
    worker id registers again instead of creating another; someone else's id is 404."""
    if idempotency_key:
        existing = await repo.worker_by_key(pool, auth.user_id, idempotency_key)
        if existing is not None:
            return worker_view(existing), True
    worker_id = worker_id or new_id("codexw")
    async with log.unit_of_work(pool) as conn:
        row = await repo.insert_worker(conn, worker_id, auth.user_id, auth.active_org_id, adapter, metadata,
                                       idempotency_key)
        if row is None:
            row = _owned(await repo.worker(conn, worker_id, lock=True), auth)
            if row.status in (WorkerStatus.STARTING, WorkerStatus.RUNNING):
                return worker_view(row), True
            kind = lifecycle.worker_move(row.status, WorkerStatus.STARTING)
            row = await repo.set_worker(conn, worker_id, status=WorkerStatus.STARTING, restart=True, adapter=adapter)
        else:
            kind = "worker.starting"
            await events.register(conn, events.worker_topic(worker_id), auth.user_id, auth.active_org_id)
        row = await _publish_worker(conn, row, kind)
    return worker_view(row), False


async def get_worker(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, worker_id: str) -> dict[str, Any]:
    return worker_view(_owned(await repo.worker(conn, worker_id), auth))


async def list_workers(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, limit: int = 100) -> list[dict[str, Any]]:
    return [worker_view(r) for r in await repo.workers_for_user(conn, auth.user_id, limit)]


async def stream_info(pool: asyncpg.Pool, auth: AuthContext, worker_id: str) -> dict[str, Any]:
    row = _owned(await repo.worker(pool, worker_id), auth)
    topic = events.worker_topic(worker_id)
    state = (await log.topic_states(pool, [topic])).get(topic)
    return {
        "worker": worker_view(row),
        "khala": {"topic": topic, "head_seq": state.head if state else 0, "floor_seq": state.floor if state else 0,
                  "scope": "runtime.codex_worker_events", "socket_path": "/sync/socket",
                  "token_endpoint": "/api/sync/token", "protocol_version": "khala.ws.v1"},
    }


async def stop_worker(pool: asyncpg.Pool, auth: AuthContext, worker_id: str, reason: str = "stop_requested", *,
                      as_admin: bool = False) -> dict[str, Any]:
    """A live worker moves to ``stopping`` (it sees the event and acknowledges with ``worker.stopped``);
    one without a fresh heartbeat stops at once. Its open runs fail now, so nobody waits on them.
    ``as_admin`` (the caller already passed ``require_admin``): any person's worker, audited."""
    async with log.unit_of_work(pool) as conn:
        row = await repo.worker(conn, worker_id, lock=True)
        if as_admin and row is not None:
            await audit.audit(conn, "runtime.worker.admin_stop", user_id=auth.user_id, session_id=auth.session_id,
                              attributes={"worker_id": worker_id, "owner_user_id": row.owner_user_id,
                                          "reason": reason})
        else:
            row = _owned(row, auth)
        target = WorkerStatus.STOPPING if row.heartbeat_fresh and row.status == "running" else WorkerStatus.STOPPED
        kind = lifecycle.worker_move(row.status, target)
        row = await repo.set_worker(conn, worker_id, status=target)
        row = await _publish_worker(conn, row, kind, reason)
        await _fail_open_runs(conn, row, "worker_stopped")
    return worker_view(row)


async def _fail_open_runs(conn: asyncpg.Connection, worker: Worker, reason: str) -> None:
    for run in await repo.open_runs_of_worker(conn, worker.id):
        await _finish(conn, worker, run, RunStatus.FAILED, reason,
                      {"ok": False, "error": {"code": reason, "message": "The worker stopped before this request finished."}})


# --------------------------------------------------------------------------------------- runs

async def _append_run(conn: asyncpg.Connection, run: Run, kind: str, payload: dict[str, Any],
                      idempotency_key: str | None = None) -> int:
    appended = await events.append(conn, events.run_topic(run.id), kind, run.id, payload, idempotency_key)
    if not appended.duplicate:
        await projector.apply(conn, run, appended.seq, kind, payload)
    return appended.seq


async def _move_run(conn: asyncpg.Connection, run: Run, target: RunStatus, reason: str | None = None) -> Run:
    kind = lifecycle.run_move(run.status, target)
    payload: dict[str, Any] = {"run_id": run.id, "from_status": run.status, "to_status": target.value}
    if reason is not None:
        payload["reason_class"] = reason
    seq = await _append_run(conn, run, kind, payload)
    RUNTIME_RUN_TRANSITIONS.labels(target.value).inc()
    return await repo.set_run(conn, run.id, target.value, seq, reason)


async def _finish(conn: asyncpg.Connection, worker: Worker, run: Run, target: RunStatus,
                  reason: str, response: dict[str, Any]) -> Run:
    """The request's one terminal outcome: response on both topics, run finished, receipt stored."""
    payload = {"request_id": run.request_id, "run_id": run.id, **response}
    await _append_run(conn, run, "codex.response", payload)
    if target is RunStatus.CANCELED and run.status == RunStatus.RUNNING:
        run = await _move_run(conn, run, RunStatus.CANCELING)
    run = await _move_run(conn, run, target, reason)
    req = await repo.request(conn, worker.id, run.request_id, lock=True)
    appended = await events.append(conn, events.worker_topic(worker.id), "codex.response", run.request_id, payload)
    await repo.set_worker(conn, worker.id, latest_seq=appended.seq)
    await repo.finish_request(conn, worker.id, run.request_id, "completed" if response.get("ok") else "failed",
                              response, appended.seq)
    receipt = receipts.build(run, await _run_events(conn, run.id))
    await repo.insert_receipt(conn, run.id, receipt.body, receipt.receipt_hash)
    await _admin_run(conn, run, req.method if req is not None else "")
    return run


async def _admin_run(conn: asyncpg.Connection, run: Run, method: str) -> None:
    await events.admin(conn, "admin.run", run.id,
                       {"run_id": run.id, "worker_id": run.worker_id, "method": method, "status": run.status,
                        "reason_class": run.reason_class or "", "owner_user_id": run.owner_user_id})


async def _run_events(conn: asyncpg.Connection | asyncpg.Pool, run_id: str) -> list[log.Event]:
    out: list[log.Event] = []
    while True:
        batch = await log.read(conn, events.run_topic(run_id), out[-1].seq if out else 0, limit=1000)
        if not batch:
            return out
        out.extend(batch)


def _check_params(method: str, params: dict[str, Any]) -> None:
    if method not in METHODS:
        raise Invalid("unknown_method", f"method must be one of {', '.join(METHODS)}", field="method")
    for name in METHODS[method]:
        value = params.get(name)
        if not isinstance(value, str) or not value.strip():
            raise Invalid("invalid_params", f"{method} needs params.{name} (a non-empty string)",
                          field=f"params.{name}")


async def submit_request(pool: asyncpg.Pool, auth: AuthContext, worker_id: str, request_id: str, method: str,
                         params: dict[str, Any], *, chat_adapters: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Accept a request for the worker: one run, ``run.created`` on its log and ``codex.request`` on the
    worker's topic. The same request id again answers the original (one execution); 60/min per worker.
    ``chat_adapters``: the Codex access policy (``access.py``; None: none, for internal callers)."""
    _check_params(method, params)
    row = _owned(await repo.worker(pool, worker_id), auth)
    access.check(method, row.adapter, chat_adapters)
    existing = await repo.request(pool, worker_id, request_id)
    if existing is None:
        await rate_limit.enforce(pool, WORKER_REQUESTS, worker_id)
    async with log.unit_of_work(pool) as conn:
        row = _owned(await repo.worker(conn, worker_id, lock=True), auth)
        existing = await repo.request(conn, worker_id, request_id)
        if existing is not None:
            if existing.method != method or json.loads(existing.params) != params:
                raise Conflict("request_id_reused", "This request id was already used with another method or params.",
                               field="request_id")
            return _request_answer(worker_id, request_id, method, existing.run_id, existing.status,
                                   existing.request_seq, replay=True)
        if row.status != WorkerStatus.RUNNING or not row.heartbeat_fresh:
            raise Conflict("worker_not_running",
                           f"The worker is {row.status}{'' if row.heartbeat_fresh else ' without a recent heartbeat'};"
                           " start it and try again.", details={"worker_status": row.status})
        thread_id = params.get("thread_id")
        if thread_id is not None:
            thread = await repo.thread(conn, str(thread_id))
            if thread is None or thread.owner_user_id != auth.user_id or thread.worker_id != worker_id:
                raise NotFound("thread_not_found", "No such thread on this worker.", field="params.thread_id")
        if method == "turn/interrupt":
            target = await repo.open_turn_run(conn, worker_id, str(thread_id), params.get("turn_id"))
            if target is None:
                raise Conflict("no_active_turn", "This thread has no turn in progress.", field="params.thread_id")
            if target.status == RunStatus.RUNNING:
                await _move_run(conn, target, RunStatus.CANCELING, None)
        run_id = new_id("run")
        await events.register(conn, events.run_topic(run_id), auth.user_id, auth.active_org_id)
        run = await repo.insert_run(conn, run_id, auth.user_id, auth.active_org_id, worker_id, request_id,
                                    str(thread_id) if thread_id else None)
        RUNTIME_RUN_TRANSITIONS.labels("created").inc()
        body = {"run_id": run_id, "worker_id": worker_id, "request_id": request_id, "method": method, "params": params}
        if method == "turn/interrupt":
            body["target_run_id"] = target.id
        seq = await _append_run(conn, run, "run.created", body)
        await repo.touch_run_seq(conn, run_id, seq)
        appended = await events.append(conn, events.worker_topic(worker_id), "codex.request", request_id, body,
                                       idempotency_key=f"request:{request_id}")
        await repo.set_worker(conn, worker_id, latest_seq=appended.seq)
        await repo.insert_request(conn, worker_id, request_id, method, params, run_id, appended.seq)
        await _admin_run(conn, run, method)
    return _request_answer(worker_id, request_id, method, run_id, "accepted", appended.seq, replay=False)


def _request_answer(worker_id: str, request_id: str, method: str, run_id: str, status: str, seq: int, *,
                    replay: bool) -> dict[str, Any]:
    return {"worker_id": worker_id, "request_id": request_id, "ok": True, "idempotent_replay": replay,
            "response": {"status": status, "method": method, "run_id": run_id},
            "projection": _projection(run_id, worker_id, seq)}


# ------------------------------------------------------------------------- events from a worker

async def ingest(pool: asyncpg.Pool, auth: AuthContext, worker_id: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Events a worker reports: lifecycle (``worker.*``), Codex notifications of a request's run, and
    the request's response (its one terminal outcome). All in one transaction, in order."""
    results = []
    async with log.unit_of_work(pool) as conn:
        worker = _owned(await repo.worker(conn, worker_id, lock=True), auth)
        state = _Batch()
        for index, event in enumerate(batch):
            kind = event["event_type"]
            if kind.startswith("worker."):
                worker = await _worker_event(conn, worker, kind, event.get("payload") or {})
                results.append({"event_type": kind, "status": worker.status})
            else:
                results.append(await _request_event(conn, worker, index, event, state))
        for run_id, seq in state.run_seqs.items():
            await repo.touch_run_seq(conn, run_id, seq)
        worker = await repo.set_worker(conn, worker_id, latest_seq=state.worker_seq)
    return {"worker": worker_view(worker), "results": results}


async def _worker_event(conn: asyncpg.Connection, worker: Worker, kind: str, payload: dict[str, Any]) -> Worker:
    status = worker.status
    if kind in ("worker.heartbeat", "worker.started"):
        RUNTIME_WORKER_HEARTBEATS.inc()
        if status == WorkerStatus.STARTING:
            row = await repo.set_worker(conn, worker.id, status=WorkerStatus.RUNNING, heartbeat=True)
            return await _publish_worker(conn, row, lifecycle.worker_move(status, WorkerStatus.RUNNING))
        if status in (WorkerStatus.RUNNING, WorkerStatus.STOPPING):
            return await repo.set_worker(conn, worker.id, heartbeat=True)
        lifecycle.worker_move(status, WorkerStatus.RUNNING)  # raises: a stopped worker must register again
    target = {"worker.stopped": WorkerStatus.STOPPED, "worker.failed": WorkerStatus.FAILED}.get(kind)
    if target is None:
        raise Invalid("unknown_event_type", f"unknown worker event {kind!r}", field="events.event_type")
    event_kind = lifecycle.worker_move(status, target)
    row = await repo.set_worker(conn, worker.id, status=target)
    row = await _publish_worker(conn, row, event_kind, str(payload.get("reason", ""))[:200])
    await _fail_open_runs(conn, row, "worker_stopped" if target is WorkerStatus.STOPPED else "worker_failed")
    return row


class _Batch:
    """Rows read once per events batch, and the seq bookkeeping written once at its end."""

    def __init__(self) -> None:
        self.requests: dict[str, Request] = {}
        self.runs: dict[str, Run] = {}
        self.run_seqs: dict[str, int] = {}
        self.worker_seq = 0


async def _request_event(conn: asyncpg.Connection, worker: Worker, index: int, event: dict[str, Any],
                         state: _Batch) -> dict[str, Any]:
    kind, payload = event["event_type"], event.get("payload") or {}
    request_id = event.get("request_id")
    if not request_id:
        raise Invalid("missing_request_id", f"{kind} names the request it belongs to", field=f"events[{index}].request_id")
    req = state.requests.get(request_id)
    if req is None:
        req = await repo.request(conn, worker.id, request_id, lock=True)
        if req is None:
            raise NotFound("request_not_found", "No such request on this worker.", field=f"events[{index}].request_id")
        state.requests[request_id] = req
    run = state.runs.get(req.run_id) or await repo.run(conn, req.run_id, lock=True)
    state.runs[run.id] = run
    event_id = event.get("event_id")
    if kind == "codex.notification":
        method = payload.get("method")
        if method not in METHOD_BY_TEXT:
            raise Invalid("unknown_notification", f"unknown notification method {method!r}",
                          field=f"events[{index}].payload.method")
        try:
            parse_params(METHOD_BY_TEXT[method], payload)
        except ContractError as exc:
            raise Invalid("invalid_notification", str(exc), field=f"events[{index}].{exc.field}") from None
        if req.status != "accepted":
            if event_id and await _already_logged(conn, run.id, event_id):
                return {"event_type": kind, "duplicate": True}
            raise Conflict("request_already_terminal", "This request already has its terminal outcome.",
                           details={"request_id": request_id})
        if run.status == RunStatus.CREATED:
            run = state.runs[run.id] = await _move_run(conn, run, RunStatus.RUNNING)
        body = {"request_id": request_id, "run_id": run.id, "method": method, "params": payload.get("params") or {}}
        key = f"event:{event_id}" if event_id else None
        appended = await events.append(conn, events.run_topic(run.id), kind, run.id, body, key,
                                       event.get("expected_previous_seq"))
        if appended.duplicate:
            return {"event_type": kind, "duplicate": True, "seq": appended.seq}
        await projector.apply(conn, run, appended.seq, kind, body)
        if method == "thread/started":
            run = state.runs[run.id] = await repo.set_run(conn, run.id, run.status, appended.seq, None,
                                                             body["params"].get("thread_id"))
        state.run_seqs[run.id] = appended.seq
        wseq = await events.append(conn, events.worker_topic(worker.id), kind, request_id, body)
        state.worker_seq = max(state.worker_seq, wseq.seq)
        return {"event_type": kind, "duplicate": False, "seq": appended.seq}
    if kind == "codex.response":
        ok = bool(payload.get("ok"))
        response: dict[str, Any] = {"ok": ok}
        if ok:
            response["result"] = payload.get("result") or {}
        else:
            error = payload.get("error") or {}
            response["error"] = {"code": str(error.get("code", "worker_error"))[:64],
                                 "message": str(error.get("message", "The worker reported an error."))[:2000]}
        if req.status != "accepted":
            if json.loads(req.response or "{}") == response:
                return {"event_type": kind, "duplicate": True}
            raise Conflict("request_already_terminal", "This request already has its terminal outcome.",
                           details={"request_id": request_id})
        state.requests.pop(request_id, None)
        state.runs.pop(run.id, None)
        if run.status == RunStatus.CREATED:
            run = await _move_run(conn, run, RunStatus.RUNNING)
        turn_status = str((response.get("result") or {}).get("turn_status", ""))
        if not ok:
            target, reason = RunStatus.FAILED, response["error"]["code"]
        elif run.status == RunStatus.CANCELING or turn_status == "interrupted":
            target, reason = RunStatus.CANCELED, "interrupted"
        else:
            target, reason = RunStatus.SUCCEEDED, "completed"
        await _finish(conn, worker, run, target, reason, response)
        return {"event_type": kind, "duplicate": False, "status": target.value}
    raise Invalid("unknown_event_type", f"unknown event type {kind!r}", field=f"events[{index}].event_type")


async def _already_logged(conn: asyncpg.Connection, run_id: str, event_id: str) -> bool:
    return await repo.logged(conn, events.run_topic(run_id), f"event:{event_id}")


# ------------------------------------------------------------------------- runs and receipts

async def get_run(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, run_id: str) -> dict[str, Any]:
    return run_view(_owned(await repo.run(conn, run_id), auth, "run"))


async def run_receipt(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext | None, run_id: str) -> dict[str, Any]:
    """The stored receipt and the one rebuilt from the log now (they must be byte-identical)."""
    run = await repo.run(conn, run_id)
    if auth is not None:
        _owned(run, auth, "run")
    elif run is None:
        raise NotFound("run_not_found", "No such run.")
    stored = await repo.receipt(conn, run_id)
    rebuilt = receipts.build(run, await _run_events(conn, run_id))
    return {"run": run_view(run), "stored": bytes(stored.receipt) if stored else None,
            "stored_hash": stored.receipt_hash if stored else None, "rebuilt": rebuilt}


async def thread_for(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, thread_id: str) -> Thread:
    return _owned(await repo.thread(conn, thread_id), auth, "thread")


async def threads(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, limit: int = 100) -> list[Thread]:
    return await repo.threads_for_user(conn, auth.user_id, limit)


async def messages(conn: asyncpg.Connection | asyncpg.Pool, thread_id: str, limit: int = 1000) -> list[Message]:
    return await repo.messages(conn, thread_id, limit)


async def thread_runs(conn: asyncpg.Connection | asyncpg.Pool, thread_id: str) -> list[dict[str, Any]]:
    return [run_view(r) for r in await repo.runs_for_thread(conn, thread_id)]


async def run_events(conn: asyncpg.Connection | asyncpg.Pool, run_id: str) -> list[log.Event]:
    return await _run_events(conn, run_id)


async def run_scope(conn: asyncpg.Connection, run_id: str) -> RunScope | None:
    """``user_id``, ``status`` and ``integrations`` (the providers its policy allows) of a run, for
    other domains' checks (the integrations secret fetch); None when there is no such run."""
    return await repo.run_scope(conn, run_id)
