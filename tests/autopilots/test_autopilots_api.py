"""The autopilot API: create, read, list, validated changes with optimistic concurrency, threads,
and the profile's defaults."""

from __future__ import annotations

import asyncio

from tests.autopilots.conftest import Person


async def test_an_autopilot_starts_from_the_profile_defaults_and_reads_back_with_its_etag(ada: Person) -> None:
    created = await ada.autopilot(instructions="Be brief.")
    assert created["model"] == "demo" and created["version"] == 1 and created["access"] == "owner"
    assert created["tool_policy"]["feed.post"] == "allow" and created["tool_policy"]["l402.fetch"] == "deny"
    assert {t["name"]: t["risk"] for t in created["tools"]}["feed.post"] == "posts publicly in your name"
    read = await ada.get(f"/api/autopilots/{created['id']}")
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    listed = (await ada.get("/api/autopilots")).json()["data"]["autopilots"]
    assert [a["id"] for a in listed] == [created["id"]]


async def test_every_field_is_validated_with_its_field_named(ada: Person) -> None:
    cases = {
        "name": {"name": ""},
        "model": {"name": "x", "model": "gpt-5"},
        "tool_policy.shell.exec": {"name": "x", "tool_policy": {"shell.exec": "allow"}},
        "tool_policy.feed.post": {"name": "x", "tool_policy": {"feed.post": "sometimes"}},
        "instructions": {"name": "x", "instructions": "y" * 8001},
        "skills[0]": {"name": "x", "skills": [{"id": "nope", "version": "1.0.0"}]},
    }
    for field, body in cases.items():
        response = await ada.post("/api/autopilots", body)
        assert response.status_code == 422, (field, response.text)
        errors = response.json().get("errors") or {}
        assert any(key.startswith(field.split(".")[0].split("[")[0]) for key in errors) or field in response.text, \
            (field, response.text)
    unknown = await ada.post("/api/autopilots", {"name": "x", "colour": "red"})
    assert unknown.status_code == 422


async def test_two_concurrent_patches_with_the_same_version_one_wins_the_other_gets_409(ada: Person) -> None:
    autopilot = await ada.autopilot()
    path = f"/api/autopilots/{autopilot['id']}"
    first, second = await asyncio.gather(ada.patch(path, {"version": 1, "name": "Alpha"}),
                                         ada.patch(path, {"version": 1, "name": "Beta"}))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["error"]["code"] == "version_conflict"
    current = (await ada.get(path)).json()["data"]
    assert current["version"] == 2 and current["name"] in ("Alpha", "Beta")


async def test_if_match_carries_the_version_and_a_patch_without_one_is_refused(ada: Person) -> None:
    autopilot = await ada.autopilot()
    path = f"/api/autopilots/{autopilot['id']}"
    missing = await ada.patch(path, {"name": "No version"})
    assert missing.status_code == 422 and "version" in missing.json()["errors"]
    updated = await ada.patch(path, {"tool_policy": {"feed.post": "deny"}}, headers={"if-match": '"1"'})
    assert updated.status_code == 200 and updated.headers["etag"] == '"2"'
    assert updated.json()["data"]["tool_policy"] == {"feed.post": "deny"}
    stale = await ada.patch(path, {"name": "Late"}, headers={"if-match": '"1"'})
    assert stale.status_code == 409


async def test_threads_are_opened_and_listed_per_person(ada: Person) -> None:
    autopilot = await ada.autopilot()
    opened = await ada.post(f"/api/autopilots/{autopilot['id']}/threads", {"title": "Plans"})
    assert opened.status_code == 201
    listed = (await ada.get(f"/api/autopilots/{autopilot['id']}/threads")).json()["data"]["threads"]
    assert [t["title"] for t in listed] == ["Plans"]


async def test_the_profile_holds_defaults_with_optimistic_concurrency(ada: Person) -> None:
    profile = (await ada.get("/api/settings/autopilot")).json()["data"]
    assert profile["version"] == 1 and profile["model"] == "demo"
    changed = await ada.patch("/api/settings/autopilot", {"version": 1, "model": "openai:llama3",
                                                          "tool_policy": {"noop": "allow", "http.fetch": "ask"}})
    assert changed.status_code == 200, changed.text
    stale = await ada.patch("/api/settings/autopilot", {"version": 1, "instructions": "x"})
    assert stale.status_code == 409
    created = await ada.autopilot()
    assert created["model"] == "openai:llama3" and created["tool_policy"] == {"http.fetch": "ask", "noop": "allow"}
