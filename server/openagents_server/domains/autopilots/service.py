"""Autopilots: who may do what (owner, org members by role), validation, optimistic concurrency,
the profile's defaults, threads, and starting runs.

Access: the owner may do everything; when an autopilot is shared with an org, that org's ``owner``
and ``admin`` members may edit it, ``member``s may read it and talk to it, ``viewer``s may read it.
Anyone else gets 404 (existence is not leaked); a member without the right gets 403.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import asyncpg

from openagents_server.domains.autopilots import events
from openagents_server.domains.autopilots import repository as repo
from openagents_server.domains.identity.context import AuthContext
from openagents_server.domains.orgs import service as orgs
from openagents_server.domains.skills import service as skills
from openagents_server.domains.tools.policy import check_policy
from openagents_server.domains.tools.registry import BUILTINS, DEFAULT_POLICY
from openagents_server.errors import Conflict, Forbidden, Invalid, NotFound
from openagents_server.khala import log

DEFAULT_MODEL = "demo"
LIST_LIMIT = 200
EDIT_ROLES = frozenset({"owner", "admin"})
RUN_ROLES = frozenset({"owner", "admin", "member"})


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def etag(version: int) -> str:
    return f'"{version}"'


def tool_options(policy: dict[str, str]) -> list[dict[str, Any]]:
    return [{"name": t.name, "description": t.description, "risk": t.risk, "rule": policy.get(t.name, "deny"),
             "available": t.available} for t in BUILTINS.values()]


def view(row: repo.AutopilotRecord, access: str) -> dict[str, Any]:
    return {"id": row.id, "owner_user_id": row.owner_user_id, "org_id": row.org_id, "name": row.name,
            "instructions": row.instructions, "model": row.model, "tool_policy": row.tool_policy,
            "skills": row.skills, "version": row.version, "etag": etag(row.version), "access": access,
            "tools": tool_options(row.tool_policy), "created_at": _iso(row.created_at),
            "updated_at": _iso(row.updated_at)}


def thread_view(row: repo.ThreadRecord) -> dict[str, Any]:
    return {"id": row.id, "autopilot_id": row.autopilot_id, "title": row.title,
            "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at)}


def _checked_policy(policy: dict[str, str]) -> dict[str, str]:
    errors = check_policy(policy)
    if errors:
        raise Invalid("invalid_tool_policy", "The tool policy names unknown tools.", errors=errors)
    return dict(sorted(policy.items()))


def _checked_name(name: str) -> str:
    if not name.strip():
        raise Invalid("empty_name", "Give the autopilot a name.", field="name")
    return name.strip()


def parse_if_match(header: str | None) -> int | None:
    if header is None:
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or int(value) > 2**31 - 1:
        raise Invalid("invalid_if_match", 'If-Match must be the ETag you read, e.g. "3".', field="If-Match")
    return int(value)


# -- profile -------------------------------------------------------------------------------------

async def profile(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext) -> dict[str, Any]:
    row = await repo.profile(conn, auth.user_id)
    if row is None:
        await repo.insert_profile(conn, auth.user_id, DEFAULT_MODEL, "", dict(DEFAULT_POLICY))
        row = await repo.profile(conn, auth.user_id)
    return {"model": row.model, "instructions": row.instructions, "tool_policy": row.tool_policy,
            "version": row.version, "etag": etag(row.version), "tools": tool_options(row.tool_policy)}


async def update_profile(pool: asyncpg.Pool, auth: AuthContext, version: int | None, changes: dict[str, Any]) -> dict[str, Any]:
    if "tool_policy" in changes:
        changes["tool_policy"] = _checked_policy(changes["tool_policy"])
    async with pool.acquire() as conn:
        current = await profile(conn, auth)
        if version is None:
            raise Invalid("version_required", "Send the version you read (or If-Match).", field="version")
        if not changes:
            raise Invalid("nothing_to_update", "Send model, instructions or tool_policy.", field="model")
        if await repo.update_profile(conn, auth.user_id, version, changes) is None:
            raise Conflict("version_conflict", "Someone changed these settings since you read them; reload.",
                           field="version", details={"current_version": current["version"]})
        return await profile(conn, auth)


# -- autopilots ----------------------------------------------------------------------------------

async def _access(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, row: repo.AutopilotRecord | None) -> str:
    """The caller's access to an autopilot (``owner`` or their org role); 404 when they have none."""
    if row is not None:
        if row.owner_user_id == auth.user_id:
            return "owner"
        if row.org_id:
            membership = await orgs.membership(conn, auth.user_id, row.org_id)  # type: ignore[arg-type]
            if membership is not None:
                return membership.role
    raise NotFound("autopilot_not_found", "No such autopilot.")


async def _load(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, autopilot_id: str,
                roles: frozenset[str] | None = None, action: str = "") -> tuple[repo.AutopilotRecord, str]:
    row = await repo.get(conn, autopilot_id)
    access = await _access(conn, auth, row)
    if roles is not None and access not in roles:
        raise Forbidden("insufficient_role", f"Your role ({access}) in this autopilot's org cannot {action}.",
                        reason="insufficient_role")
    assert row is not None
    return row, access


async def create(pool: asyncpg.Pool, auth: AuthContext, *, name: str, instructions: str | None, model: str | None,
                 tool_policy: dict[str, str] | None, skills_: list[dict[str, str]], org_id: str | None) -> dict[str, Any]:
    name = _checked_name(name)
    async with pool.acquire() as conn:
        defaults = await profile(conn, auth)
        if org_id is not None:
            membership = await orgs.membership(conn, auth.user_id, org_id)  # type: ignore[arg-type]
            if membership is None or membership.role not in EDIT_ROLES:
                raise Forbidden("not_org_admin", "Only an org's owners and admins can share an autopilot with it.",
                                field="org_id", reason="not_org_admin")
        policy = _checked_policy(tool_policy if tool_policy is not None else defaults["tool_policy"])
        await skills.check_pins(conn, skills_pins := [dict(p) for p in skills_])
        row = await repo.insert(conn, new_id("ap"), auth.user_id, org_id, name,
                                instructions if instructions is not None else defaults["instructions"],
                                model or defaults["model"], policy, skills_pins)
    return view(row, "owner")


async def get(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, autopilot_id: str) -> dict[str, Any]:
    row, access = await _load(conn, auth, autopilot_id)
    return view(row, access)


async def list_visible(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext) -> list[dict[str, Any]]:
    return [view(r, "owner" if r.owner_user_id == auth.user_id else r.member_role)
            for r in await repo.visible(conn, auth.user_id, LIST_LIMIT)]


async def update(pool: asyncpg.Pool, auth: AuthContext, autopilot_id: str, version: int | None,
                 changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` if nobody wrote since ``version`` (else 409 ``version_conflict``)."""
    if "name" in changes:
        changes["name"] = _checked_name(changes["name"])
    if "tool_policy" in changes:
        changes["tool_policy"] = _checked_policy(changes["tool_policy"])
    async with pool.acquire() as conn:
        row, access = await _load(conn, auth, autopilot_id, EDIT_ROLES, "edit it")
        if version is None:
            raise Invalid("version_required", "Send the version you read (body version or If-Match).", field="version")
        if "skills" in changes:
            await skills.check_pins(conn, changes["skills"])
        if not changes:
            raise Invalid("nothing_to_update", "Send at least one field to change.", field="name")
        updated = await repo.update(conn, autopilot_id, version, changes)
        if updated is None:
            raise Conflict("version_conflict", "Someone changed this autopilot since you read it; reload and retry.",
                           field="version", details={"current_version": row.version})
    return view(updated, access)


# -- threads and runs ----------------------------------------------------------------------------

async def create_thread(pool: asyncpg.Pool, auth: AuthContext, autopilot_id: str, title: str) -> dict[str, Any]:
    async with pool.acquire() as conn:
        await _load(conn, auth, autopilot_id, RUN_ROLES, "talk to it")
        row = await repo.insert_thread(conn, new_id("apt"), autopilot_id, auth.user_id, title.strip())
    return thread_view(row)


async def threads(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, autopilot_id: str) -> list[dict[str, Any]]:
    """The caller's own threads with this autopilot (conversations are personal)."""
    await _load(conn, auth, autopilot_id)
    return [thread_view(r) for r in await repo.threads(conn, autopilot_id, auth.user_id, LIST_LIMIT)]


def adapter_of(model: str) -> str:
    return model.split(":", 1)[0]


async def start_run(pool: asyncpg.Pool, auth: AuthContext, autopilot_id: str, *, text: str, thread_id: str | None,
                    client_run_id: str | None) -> tuple[dict[str, Any], bool]:
    """Record the message and a ``created`` run with ``run.created`` on its topic, in one transaction.
    Returns ``(answer, created)``; the caller starts the execution when ``created``."""
    if not text.strip():
        raise Invalid("empty_text", "Write a message first.", field="text")
    async with log.unit_of_work(pool) as conn:
        autopilot, _ = await _load(conn, auth, autopilot_id, RUN_ROLES, "talk to it")
        if client_run_id:
            existing = await repo.run_by_client_id(conn, auth.user_id, client_run_id)
            if existing is not None:
                if existing.autopilot_id != autopilot_id or (thread_id and existing.thread_id != thread_id):
                    raise Conflict("client_run_id_reused", "This client_run_id was used for another message.",
                                   field="client_run_id")
                return _run_answer(existing, replay=True), False
        if thread_id is None:
            thread = await repo.insert_thread(conn, new_id("apt"), autopilot_id, auth.user_id, text.strip()[:60])
        else:
            thread = await repo.thread(conn, thread_id)
            if thread is None or thread.user_id != auth.user_id or thread.autopilot_id != autopilot_id:
                raise NotFound("thread_not_found", "No such thread with this autopilot.", field="thread_id")
        run_id = new_id("aprun")
        run = await repo.insert_run(conn, run_id, autopilot_id, thread.id, auth.user_id, client_run_id,
                                    adapter_of(autopilot.model))
        if run is None:  # a concurrent send with the same client_run_id won
            raise Conflict("client_run_id_reused", "This client_run_id is being used by another request.",
                           field="client_run_id")
        await repo.insert_message(conn, thread.id, run_id, "user", text.strip())
        await events.register(conn, run_id, auth.user_id)
        await events.append(conn, run_id, "run.created", {"run_id": run_id, "autopilot_id": autopilot_id,
                                                          "thread_id": thread.id, "text": text.strip(),
                                                          "model": autopilot.model})
    return _run_answer(run, replay=False), True


def _run_answer(run: repo.RunRecord, *, replay: bool) -> dict[str, Any]:
    return {"run_id": run.id, "thread_id": run.thread_id, "autopilot_id": run.autopilot_id,
            "status": run.status, "idempotent_replay": replay, "khala": events.khala_target(run.id)}


async def tool_scope(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, *, run_id: str | None,
                     autopilot_id: str | None) -> tuple[dict[str, str], str | None, str]:
    """For ``tools/execute``: the policy in force, the run topic (or None) and whose name the tool
    acts in. A run must be the caller's and still running; an autopilot must be one they may run."""
    if run_id is not None:
        run = await repo.run(conn, run_id)
        if run is None or run.user_id != auth.user_id:
            raise NotFound("run_not_found", "No such run.", field="run_id")
        if run.status not in ("created", "running"):
            raise Conflict("run_not_active", f"The run is {run.status}; tools run only during a run.", field="run_id")
        autopilot = await repo.get(conn, run.autopilot_id)
        assert autopilot is not None
        return autopilot.tool_policy, events.run_topic(run_id), autopilot.owner_user_id
    if autopilot_id is not None:
        autopilot, _ = await _load(conn, auth, autopilot_id, RUN_ROLES, "use its tools")
        return autopilot.tool_policy, None, autopilot.owner_user_id
    return (await profile(conn, auth))["tool_policy"], None, auth.user_id


def acting_as(owner_id: str) -> AuthContext:
    """The identity a tool acts in when the autopilot's owner is not the caller."""
    return AuthContext(user_id=owner_id, email="", name=None, kind="session")


#: A thread's page shows its last runs with their events (older runs: messages only).
RUNS_SHOWN = 20


async def thread_detail(conn: asyncpg.Connection | asyncpg.Pool, auth: AuthContext, autopilot_id: str,
                        thread_id: str) -> dict[str, Any]:
    """A thread's messages and its recent runs with their events and watermark, read in one
    snapshot (a page then follows a running run's topic from the watermark)."""
    await _load(conn, auth, autopilot_id)
    thread = await repo.thread(conn, thread_id)
    if thread is None or thread.user_id != auth.user_id or thread.autopilot_id != autopilot_id:
        raise NotFound("thread_not_found", "No such thread with this autopilot.")
    runs = []
    for run in await repo.runs_of_thread(conn, thread_id, RUNS_SHOWN):
        logged = await log.read(conn, events.run_topic(run.id), 0, limit=500)
        runs.append({"run_id": run.id, "status": run.status, "reason_class": run.reason_class,
                     "receipt_hash": run.receipt_hash,
                     "events": [{"seq": e.seq, **json.loads(e.payload)} for e in logged],
                     "watermark": logged[-1].seq if logged else 0})
    messages = [{"role": m.role, "content": m.content, "run_id": m.run_id}
                for m in await repo.messages(conn, thread_id, 500)]
    return {"thread": thread_view(thread), "messages": messages, "runs": runs}
