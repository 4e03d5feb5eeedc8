"""The authorization matrix over every endpoint: the owner, org members by role (admin edits,
member talks to it, viewer reads), a stranger (404: existence is not leaked) and anonymous (401)."""

from __future__ import annotations

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.autopilots.conftest import Person
from tests.identity.conftest import sign_in


async def _org(db: asyncpg.Connection, owner: str, members: dict[str, str]) -> str:
    await db.execute("INSERT INTO orgs (id, slug, name) VALUES ('org_team', 'team', 'Team')")
    await db.execute("INSERT INTO org_memberships (org_id, user_id, role) VALUES ('org_team', $1, 'owner')", owner)
    for user_id, role in members.items():
        await db.execute("INSERT INTO org_memberships (org_id, user_id, role) VALUES ('org_team', $1, $2)", user_id, role)
    return "org_team"


def _endpoints(autopilot_id: str, thread_id: str) -> dict[str, tuple[str, str, object]]:
    base = f"/api/autopilots/{autopilot_id}"
    return {
        "read": ("GET", base, None),
        "list_threads": ("GET", f"{base}/threads", None),
        "patch": ("PATCH", base, {"version": 1, "name": "Renamed"}),
        "open_thread": ("POST", f"{base}/threads", {"title": "t"}),
        "stream": ("POST", f"{base}/stream", {"text": "hello", "thread_id": thread_id}),
        "tool_with_autopilot": ("POST", "/api/runtime/tools/execute",
                                {"invocation_id": "inv-auth", "tool": "noop", "autopilot_id": autopilot_id}),
        "approvals": ("GET", f"{base}/approvals", None),
        # No such approval: the owner learns that (404), anyone else is refused before (403/404).
        "decide": ("POST", f"{base}/approvals/apa_none", {"decision": "approve"}),
    }


#: Expected status per role and endpoint. A member's stream gets 404: the thread is the owner's.
MATRIX = {
    "owner": {"read": 200, "list_threads": 200, "patch": 200, "open_thread": 201, "stream": 202,
              "tool_with_autopilot": 200, "approvals": 200, "decide": 404},
    "admin": {"read": 200, "list_threads": 200, "patch": 200, "open_thread": 201, "stream": 404,
              "tool_with_autopilot": 200, "approvals": 403, "decide": 403},
    "member": {"read": 200, "list_threads": 200, "patch": 403, "open_thread": 201, "stream": 404,
               "tool_with_autopilot": 200, "approvals": 403, "decide": 403},
    "viewer": {"read": 200, "list_threads": 200, "patch": 403, "open_thread": 403, "stream": 403,
               "tool_with_autopilot": 403, "approvals": 403, "decide": 403},
    "stranger": {"read": 404, "list_threads": 404, "patch": 404, "open_thread": 404, "stream": 404,
                 "tool_with_autopilot": 404, "approvals": 404, "decide": 404},
}


@pytest.mark.parametrize("role", list(MATRIX))
async def test_each_endpoint_answers_by_role(role: str, client: AsyncTestClient, db: asyncpg.Connection,
                                             ada: Person) -> None:
    caller = Person(await sign_in(client, db, f"{role}@example.com"), client)
    if role != "owner":
        await _org(db, ada.id, {} if role == "stranger" else {caller.id: role})
    else:
        await _org(db, ada.id, {})
        caller = ada
    autopilot = await ada.autopilot(org_id="org_team")
    thread = (await ada.post(f"/api/autopilots/{autopilot['id']}/threads", {"title": "mine"})).json()["data"]["id"]
    for name, (method, path, body) in _endpoints(autopilot["id"], thread).items():
        response = await caller.call(method, path, body)
        assert response.status_code == MATRIX[role][name], (role, name, response.text)
        if response.status_code == 404:
            assert "Renamed" not in response.text and "mine" not in response.text
    listed = (await caller.get("/api/autopilots")).json()["data"]["autopilots"]
    assert ([a["access"] for a in listed] == [] if role == "stranger" else [a["access"] for a in listed] == [role])


async def test_anonymous_callers_get_401_everywhere(client: AsyncTestClient) -> None:
    paths = [("GET", "/api/autopilots"), ("POST", "/api/autopilots"), ("GET", "/api/autopilots/ap_x"),
             ("PATCH", "/api/autopilots/ap_x"), ("GET", "/api/autopilots/ap_x/threads"),
             ("POST", "/api/autopilots/ap_x/threads"), ("POST", "/api/autopilots/ap_x/stream"),
             ("GET", "/api/autopilots/ap_x/approvals"), ("POST", "/api/autopilots/ap_x/approvals/apa_x"),
             ("GET", "/api/settings/autopilot"), ("PATCH", "/api/settings/autopilot"),
             ("POST", "/api/runtime/tools/execute"), ("GET", "/api/runtime/skills/tool-specs"),
             ("POST", "/api/runtime/skills/tool-specs"), ("GET", "/api/runtime/skills/skill-specs"),
             ("POST", "/api/runtime/skills/skill-specs"), ("POST", "/api/runtime/skills/skill-specs/a/1.0.0/publish"),
             ("GET", "/api/runtime/skills/releases/a/1.0.0")]
    for method, path in paths:
        response = await client.request(method, path, json={} if method != "GET" else None)
        assert response.status_code == 401, (method, path, response.text)


async def test_only_org_owners_and_admins_share_an_autopilot_with_their_org(client: AsyncTestClient,
                                                                           db: asyncpg.Connection, ada: Person,
                                                                           bob: Person) -> None:
    await _org(db, ada.id, {bob.id: "member"})
    refused = await bob.post("/api/autopilots", {"name": "Mine", "org_id": "org_team"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_org_admin"
    assert (await ada.post("/api/autopilots", {"name": "Team", "org_id": "org_team"})).status_code == 201
