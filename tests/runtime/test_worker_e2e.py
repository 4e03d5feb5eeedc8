"""End to end: a real granian server, a real `openagents worker run --adapter demo` process, and a
raw Khala client that sees the reply's deltas arrive in order."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable, Iterator

import asyncpg
import httpx
import pytest

from tests.identity.conftest import pending_code
from tests.khala.support import KhalaClient
from tests.support.servers import LiveServer
from tests.support.workers import WorkerProcesses

BASE = "/api/runtime/codex/workers"


async def person(server: LiveServer, database_url: str, email: str) -> tuple[str, str]:
    """Sign in over HTTP; returns (access token, PAT with every ability)."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        sent = await http.post("/api/auth/email", json={"email": email})
        code = await pending_code(database_url, email)
        verified = await http.post("/api/auth/verify", json={"email": email, "code": code,
                                                             "challenge_id": sent.json()["data"]["challenge_id"]})
        access = verified.json()["data"]["session"]["access_token"]
        pat = await http.post("/api/tokens", json={"name": "worker", "abilities": ["*"]},
                              headers={"authorization": f"Bearer {access}"})
        return access, pat.json()["data"]["token"]


@pytest.fixture
def server(live_server: Callable[..., LiveServer]) -> LiveServer:
    return live_server()


@pytest.fixture
def start_worker(server: LiveServer) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    workers = WorkerProcesses(server.url)
    yield lambda token, *args: workers.start(token, *args, output=subprocess.PIPE)
    workers.stop_all(timeout=10)


async def wait_running(http: httpx.AsyncClient, headers: dict[str, str]) -> str:
    for _ in range(200):
        workers = (await http.get(BASE, headers=headers)).json()["data"]["workers"]
        if workers and workers[0]["status"] == "running":
            return workers[0]["worker_id"]
        await asyncio.sleep(0.1)
    raise AssertionError("the worker never reported running")


async def wait_response(client: KhalaClient, request_id: str, timeout: float = 20) -> tuple[dict, list[dict]]:
    """Read the worker topic until the request's codex.response; returns it and the events before it."""
    seen: list[dict] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await client.recv(max(0.1, deadline - loop.time()))
        for update in getattr(message, "updates", ()):
            payload = json.loads(update.payload)
            seen.append({**payload, "_seq": update.watermark})
            if payload.get("type") == "codex.response" and payload.get("request_id") == request_id:
                return payload, seen


async def test_a_turn_through_a_running_demo_worker_streams_deltas_over_khala_in_order(
        server: LiveServer, database_url: str, start_worker: Callable[..., subprocess.Popen[bytes]]) -> None:
    access, pat = await person(server, database_url, "ada@example.com")
    headers = {"authorization": f"Bearer {access}"}
    proc = start_worker(pat, "--heartbeat", "5")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        worker = await wait_running(http, headers)
        topic = f"worker:{worker}:events"
        minted = (await http.post("/api/sync/token", json={"scopes": ["runtime.codex_worker_events"]},
                                  headers=headers)).json()["data"]
        head = (await http.get(f"{BASE}/{worker}/stream", headers=headers)).json()["data"]["khala"]["head_seq"]
        client = await KhalaClient.connect(server.ws_url)
        await client.hello(minted["token"])
        await client.subscribe([topic], resume_after={topic: head})
        started = await http.post(f"{BASE}/{worker}/requests", headers=headers,
                                  json={"request_id": "t-start", "method": "thread/start"})
        assert started.status_code == 202, started.text
        response, _ = await wait_response(client, "t-start")
        thread = response["result"]["thread_id"]
        turn = await http.post(f"{BASE}/{worker}/requests", headers=headers,
                               json={"request_id": "turn-1", "method": "turn/start",
                                     "params": {"thread_id": thread, "text": "hello there"}})
        assert turn.status_code == 202, turn.text
        response, seen = await wait_response(client, "turn-1")
        assert response["ok"] is True and response["result"]["turn_status"] == "completed"
        mine = [e for e in seen if e.get("request_id") == "turn-1" and e["type"] == "codex.notification"]
        methods = [e["method"] for e in mine]
        assert methods[:2] == ["turn/started", "item/started"] and methods[-2:] == ["item/completed", "turn/completed"]
        deltas = [e["params"]["delta"] for e in mine if e["method"] == "item/agentMessage/delta"]
        assert len(deltas) > 5
        seqs = [e["_seq"] for e in seen]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        text = "".join(deltas)
        assert text.startswith("(demo) You said: hello there")
        messages = (await http.get(f"/api/chats/{thread}/messages", headers=headers)).json()["data"]["messages"]
        assert [m["content"] for m in messages] == ["hello there", text]
        await client.close()
        # The owner stops it: the worker process acknowledges and exits.
        stopped = await http.post(f"{BASE}/{worker}/stop", headers=headers)
        assert stopped.json()["data"]["status"] == "stopping"
        assert await asyncio.to_thread(proc.wait, 20) == 0
        final = (await http.get(f"{BASE}/{worker}", headers=headers)).json()["data"]
        assert final["status"] == "stopped"
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM runtime_receipts") == 2
    finally:
        await conn.close()


async def test_khala_refuses_a_second_person_on_the_first_ones_worker_topic(
        server: LiveServer, database_url: str) -> None:
    from openagents_proto.sync import domain as d

    ada_access, _ = await person(server, database_url, "ada@example.com")
    bob_access, _ = await person(server, database_url, "bob@example.com")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        created = await http.post(BASE, json={}, headers={"authorization": f"Bearer {ada_access}"})
        topic = created.json()["data"]["worker"]["topic"]
        scopes = {"scopes": ["runtime.codex_worker_events"]}
        tokens = {}
        for name, access in (("ada", ada_access), ("bob", bob_access)):
            minted = await http.post("/api/sync/token", json=scopes, headers={"authorization": f"Bearer {access}"})
            tokens[name] = minted.json()["data"]["token"]
    owner = await KhalaClient.connect(server.ws_url)
    await owner.hello(tokens["ada"])
    assert (await owner.subscribe([topic])).topics
    await owner.close()
    other = await KhalaClient.connect(server.ws_url)
    await other.hello(tokens["bob"])
    await other.send(d.Subscribe(topics=(topic,), request_id="r1"))
    closed = await other.expect_close()
    assert closed.error is not None and "someone else" in closed.error.message
