"""The HTTP contract every endpoint shares, checked in-process and against a real granian server."""

import asyncio
import json
from typing import Any

import httpx
import msgspec
import pytest
from litestar import get, post
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient
from openagents_server.app import create_app
from openagents_server.dependencies import DbPool
from openagents_server.settings import Settings


class Widget(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    size: int


@get("/api/test/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("secret internal detail")


@post("/api/test/deadlock", status_code=200)
async def deadlock(pool: DbPool) -> dict[str, Any]:
    """Two transactions that each hold the lock the other wants: PostgreSQL aborts one of them."""
    async def hold_then_want(conn: Any, held: int, wanted: int, both_hold: asyncio.Barrier) -> None:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", held)
            await both_hold.wait()
            await conn.execute("SELECT pg_advisory_xact_lock($1)", wanted)

    barrier = asyncio.Barrier(2)
    async with pool.acquire() as first, pool.acquire() as second:
        # Both finish (the victim with its error) before the connections go back to the pool.
        outcomes = await asyncio.gather(hold_then_want(first, 7001, 7002, barrier),
                                        hold_then_want(second, 7002, 7001, barrier), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return {"data": "no deadlock"}


@post("/api/test/widgets", sync_to_thread=False)
def create_widget(data: JSONBody[Widget]) -> dict[str, Any]:
    return {"data": {"name": data.name}}


@pytest.fixture
async def client(settings: Settings):
    app = create_app(settings, extra_handlers=[boom, create_widget, deadlock])
    async with AsyncTestClient(app) as client:
        yield client


def _assert_envelope(body: dict[str, Any], code: str) -> None:
    assert body["error"]["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["error"]["message"] == body["message"]


async def test_unknown_api_path_is_json_404(client: AsyncTestClient) -> None:
    response = await client.get("/api/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    _assert_envelope(response.json(), "not_found")
    assert response.headers["x-request-id"]


async def test_wrong_method_is_405_envelope(client: AsyncTestClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    _assert_envelope(response.json(), "method_not_allowed")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"name": "a"}', "size"),
        (b'{"name": "a", "size": "big"}', "size"),
        (b'{"name": "a", "size": 1, "colour": "red"}', "colour"),
        (b"not json", None),
    ],
)
async def test_invalid_body_is_422_with_field_errors(client: AsyncTestClient, body: bytes, field: str | None) -> None:
    response = await client.post("/api/test/widgets", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    payload = response.json()
    _assert_envelope(payload, "invalid_request")
    assert payload["errors"]
    if field:
        assert field in str(payload["errors"])


async def test_valid_body_succeeds(client: AsyncTestClient) -> None:
    response = await client.post("/api/test/widgets", json={"name": "a", "size": 2})
    assert response.status_code == 201
    assert response.json() == {"data": {"name": "a"}}


async def test_unhandled_exception_is_500_without_internals(client: AsyncTestClient) -> None:
    response = await client.get("/api/test/boom", headers={"x-request-id": "trace-123"})
    assert response.status_code == 500
    payload = response.json()
    _assert_envelope(payload, "internal_error")
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert payload["error"]["request_id"] == "trace-123"
    assert response.headers["x-request-id"] == "trace-123"


async def test_a_deadlock_victim_is_503_to_retry_not_a_500(client: AsyncTestClient) -> None:
    """PostgreSQL rolls the victim back whole, so the answer says: nothing changed, send it again."""
    response = await client.post("/api/test/deadlock", headers={"x-request-id": "trace-dl"})
    assert response.status_code == 503, response.text
    payload = response.json()
    _assert_envelope(payload, "service_unavailable")
    assert payload["error"]["reason"] == "database_busy"
    assert response.headers["retry-after"] == "1"
    assert payload["error"]["request_id"] == "trace-dl"
    assert "deadlock" not in response.text.lower()


async def test_request_id_is_accepted_or_generated(client: AsyncTestClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "abc-42"})
    assert given.headers["x-request-id"] == "abc-42"
    minted = await client.get("/healthz")
    other = await client.get("/healthz")
    assert minted.headers["x-request-id"].startswith("req_")
    assert minted.headers["x-request-id"] != other.headers["x-request-id"]
    forged = await client.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    assert forged.headers["x-request-id"].startswith("req_")


async def test_readyz_reports_pending_migrations(settings: Settings, db) -> None:
    app = create_app(settings)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/readyz")).status_code == 200
        await db.execute("DELETE FROM schema_migrations")
        response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    _assert_envelope(body, "service_unavailable")
    assert "migrations_pending" in body["error"]["reasons"][0]


def test_real_granian_server_speaks_the_contract(live_server) -> None:
    server = live_server()
    health = httpx.get(server.url + "/healthz")
    assert health.status_code == 200 and health.json() == {"data": {"status": "ok"}}
    assert health.headers["x-request-id"]
    assert httpx.get(server.url + "/readyz").status_code == 200
    spec = httpx.get(server.url + "/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/healthz" in spec["paths"]
    nope = httpx.get(server.url + "/api/nope")
    assert nope.status_code == 404 and nope.json()["error"]["code"] == "not_found"


def test_two_granian_workers_serve_and_agree(live_server) -> None:
    server = live_server(workers=2)
    with httpx.Client(base_url=server.url) as client:
        statuses = {client.get("/readyz", headers={"connection": "close"}).status_code for _ in range(40)}
    assert statuses == {200}


async def test_log_lines_are_json_and_carry_the_request_id(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(settings, extra_handlers=[boom])
    async with AsyncTestClient(app) as client:
        await client.get("/api/test/boom", headers={"x-request-id": "log-trace-7"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    failure = [line for line in lines if line.get("event") == "unhandled_exception"]
    assert failure, lines
    assert failure[0]["request_id"] == "log-trace-7"
    assert failure[0]["level"] == "error" and "timestamp" in failure[0]
