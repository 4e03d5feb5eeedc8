"""Runs left ``running`` by a process that died (no lease renewal for longer than the bound) are
marked ``failed`` (``abandoned``) with ``run.finished`` on their topic: by the periodic sweep of a
live process and at the startup of the next one. A run a live process still holds is not swept."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.domains.autopilots.executor import Runner
from openagents_server.settings import Settings

from tests.autopilots.conftest import Person


async def _events(db: asyncpg.Connection, run_id: str) -> list[dict[str, Any]]:
    rows = await db.fetch("SELECT payload FROM khala_events WHERE topic = $1 ORDER BY seq", f"run:{run_id}:events")
    return [json.loads(bytes(r["payload"])) for r in rows]


async def _stuck_run(ada: Person, db: asyncpg.Connection, autopilot_id: str, url: str) -> str:
    """A run blocked inside its tool call (http.fetch of a URL that does not answer)."""
    run_id = (await ada.post(f"/api/autopilots/{autopilot_id}/stream", {"text": f"fetch {url}/hang"})).json()["data"]["run_id"]
    deadline = asyncio.get_running_loop().time() + 15
    while not any(e["type"] == "tool.call" for e in await _events(db, run_id)):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    return run_id


async def _in_app(runner: Runner, make: Any) -> Any:
    """Run ``make()`` in the app's event loop (the test client serves the app from its own thread)."""
    assert runner.maintenance is not None
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(make(), runner.maintenance.get_loop()))


async def _abandon(runner: Runner, run_id: str) -> None:
    """What a crash does to a run: its task is gone and nothing records its end."""

    async def crash() -> None:
        task = next(t for t in runner.tasks if t.get_name() == run_id)
        runner.tasks.discard(task)
        task.cancel()
        await asyncio.wait([task])

    await _in_app(runner, crash)


async def _backdate(db: asyncpg.Connection, run_id: str) -> None:
    await db.execute("UPDATE autopilot_runs SET heartbeat_at = now() - interval '5 minutes' WHERE id = $1", run_id)


async def test_an_abandoned_run_is_swept_failed_and_a_held_one_is_not(client: AsyncTestClient, ada: Person,
                                                                      db: asyncpg.Connection, web_server: str) -> None:
    runner: Runner = client.app.dependencies["autopilot_runner"].dependency()
    autopilot = await ada.autopilot(tool_policy={"http.fetch": "allow"})
    abandoned = await _stuck_run(ada, db, autopilot["id"], web_server)
    held = await _stuck_run(ada, db, autopilot["id"], web_server)
    assert await db.fetchval("SELECT heartbeat_at FROM autopilot_runs WHERE id = $1", held) is not None
    await _abandon(runner, abandoned)
    assert await _in_app(runner, runner.sweep) == []  # within its lease: not yet
    await _backdate(db, abandoned)
    await _backdate(db, held)  # past its lease too, but this process still runs it
    assert await _in_app(runner, runner.sweep) == [abandoned]
    row = await db.fetchrow("SELECT status, reason_class, receipt_hash FROM autopilot_runs WHERE id = $1", abandoned)
    assert (row["status"], row["reason_class"]) == ("failed", "abandoned") and row["receipt_hash"]
    finished = (await _events(db, abandoned))[-1]
    assert finished["type"] == "run.finished" and finished["reason_class"] == "abandoned"
    assert "heartbeat" in finished["message"]
    assert await db.fetchval("SELECT status FROM autopilot_runs WHERE id = $1", held) == "running"
    assert await _in_app(runner, runner.sweep) == []  # swept once


async def test_the_next_process_sweeps_at_startup(client: AsyncTestClient, settings: Settings, ada: Person,
                                                  db: asyncpg.Connection, web_server: str) -> None:
    runner: Runner = client.app.dependencies["autopilot_runner"].dependency()
    autopilot = await ada.autopilot(tool_policy={"http.fetch": "allow"})
    crashed = await _stuck_run(ada, db, autopilot["id"], web_server)
    await _abandon(runner, crashed)
    await _backdate(db, crashed)
    async with AsyncTestClient(create_app(settings), base_url="http://127.0.0.1:8000"):
        row = await db.fetchrow("SELECT status, reason_class FROM autopilot_runs WHERE id = $1", crashed)
        assert (row["status"], row["reason_class"]) == ("failed", "abandoned")
    assert [e["type"] for e in await _events(db, crashed)][-1] == "run.finished"
