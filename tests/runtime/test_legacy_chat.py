"""Every legacy chat route: reads come from the Codex thread read models with deprecation headers;
writes, streams and the guest session are retired with 410 legacy_chat_retired naming the replacement."""

from __future__ import annotations

import asyncpg
import pytest

from tests.runtime.conftest import Person

RETIRED = [("GET", "/api/chat/guest-session"), ("POST", "/api/chat"), ("POST", "/api/chat/stream"),
           ("POST", "/api/chats"), ("POST", "/api/chats/thr_1/stream")]


@pytest.mark.parametrize(("method", "path"), RETIRED)
async def test_retired_legacy_routes_answer_410_naming_the_replacement(ada: Person, method: str, path: str) -> None:
    response = await ada.client.request(method, path, headers=ada.headers, json={"message": "hi"} if method == "POST" else None)
    assert response.status_code == 410
    error = response.json()["error"]
    assert error["code"] == "legacy_chat_retired"
    assert error["replacement"].startswith("POST /api/runtime/codex/workers")


async def test_legacy_reads_answer_from_the_thread_read_models_with_deprecation_headers(ada: Person, db: asyncpg.Connection) -> None:
    worker = await ada.worker()
    thread = await ada.thread(worker)
    await ada.turn(worker, thread, "t1", "What is Khala?", deltas=("A sync", " layer."))
    run_id = await db.fetchval("SELECT id FROM runtime_runs WHERE request_id = 't1'")
    reads = {
        "list": await ada.get("/api/chats"),
        "one": await ada.get(f"/api/chats/{thread}"),
        "messages": await ada.get(f"/api/chats/{thread}/messages"),
        "runs": await ada.get(f"/api/chats/{thread}/runs"),
        "events": await ada.get(f"/api/chats/{thread}/runs/{run_id}/events"),
    }
    for name, response in reads.items():
        assert response.status_code == 200, (name, response.text)
        assert response.headers["deprecation"].startswith("@")
        assert response.headers["sunset"].endswith("GMT")
        assert response.headers["link"] == '</api/runtime/codex/workers>; rel="successor-version"'
    assert reads["list"].json()["data"]["conversations"][0]["title"] == "What is Khala?"
    assert reads["one"].json()["data"]["message_count"] == 2
    assert [(m["role"], m["content"]) for m in reads["messages"].json()["data"]["messages"]] == [
        ("user", "What is Khala?"), ("assistant", "A sync layer.")]
    assert [r["status"] for r in reads["runs"].json()["data"]["runs"]] == ["succeeded", "succeeded"]
    events = reads["events"].json()["data"]["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "run.created" and events[-1]["type"] == "run.finished"
    assert (await ada.get("/api/chats/thr_unknown")).status_code == 404


async def test_the_legacy_lane_is_documented_as_deprecated_in_openapi(ada: Person) -> None:
    spec = (await ada.client.get("/openapi.json")).json()
    for path in ("/api/chats", "/api/chat", "/api/chats/{conversation_id}/messages"):
        operations = spec["paths"][path]
        assert all(op.get("deprecated") for op in operations.values()), path
    assert "410" in spec["paths"]["/api/chat"]["post"]["responses"]
