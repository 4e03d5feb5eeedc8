"""The skill registry: valid JSON Schemas, unique ids, semver, immutable published versions."""

from __future__ import annotations

from tests.autopilots.conftest import Person

BASE = "/api/runtime/skills"


async def test_tool_specs_need_a_valid_json_schema_and_a_unique_id(ada: Person) -> None:
    bad = await ada.post(f"{BASE}/tool-specs", {"id": "weather", "description": "d",
                                                "input_schema": {"type": "object", "properties": {"x": {"type": 5}}}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_json_schema"
    assert next(iter(bad.json()["errors"])).startswith("input_schema")
    good = {"id": "weather", "description": "Weather by city", "risk": "none",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    assert (await ada.post(f"{BASE}/tool-specs", good)).status_code == 201
    duplicate = await ada.post(f"{BASE}/tool-specs", good)
    assert duplicate.status_code == 422 and "id" in duplicate.json()["errors"]
    builtin = await ada.post(f"{BASE}/tool-specs", {**good, "id": "feed.post"})
    assert builtin.status_code == 422 and "id" in builtin.json()["errors"]
    listed = (await ada.get(f"{BASE}/tool-specs")).json()["data"]["tool_specs"]
    assert {"feed.post", "http.fetch", "weather"} <= {s["id"] for s in listed}


async def test_skill_versions_are_semver_and_published_ones_cannot_change(ada: Person, bob: Person) -> None:
    spec = {"id": "poster", "version": "1.0", "name": "Poster", "instructions": "Post nicely.", "tools": ["feed.post"]}
    bad = await ada.post(f"{BASE}/skill-specs", spec)
    assert bad.status_code == 422 and "version" in bad.json()["errors"]
    spec["version"] = "1.0.0"
    assert (await ada.post(f"{BASE}/skill-specs", spec)).status_code == 201
    duplicate = await ada.post(f"{BASE}/skill-specs", spec)
    assert duplicate.status_code == 422 and "id" in duplicate.json()["errors"]
    unknown_tool = await ada.post(f"{BASE}/skill-specs", {**spec, "version": "1.0.1", "tools": ["nope"]})
    assert unknown_tool.status_code == 422 and "tools[0]" in unknown_tool.json()["errors"]
    assert (await bob.post(f"{BASE}/skill-specs", {**spec, "version": "2.0.0"})).status_code == 403
    assert (await bob.post(f"{BASE}/skill-specs/poster/1.0.0/publish")).status_code == 403

    published = await ada.post(f"{BASE}/skill-specs/poster/1.0.0/publish")
    assert published.status_code == 201, published.text
    release = published.json()["data"]
    assert release["body"]["tool_schemas"]["feed.post"]["required"] == ["text"]
    again = await ada.post(f"{BASE}/skill-specs/poster/1.0.0/publish")
    assert again.status_code == 200 and again.json()["data"]["body_hash"] == release["body_hash"]
    changed = await ada.post(f"{BASE}/skill-specs", {**spec, "instructions": "Post rudely."})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "version_published"
    read = (await ada.get(f"{BASE}/releases/poster/1.0.0")).json()["data"]
    assert read["body_hash"] == release["body_hash"] and read["body"]["instructions"] == "Post nicely."
    assert (await ada.get(f"{BASE}/releases/poster/9.9.9")).status_code == 404
    assert (await ada.post(f"{BASE}/skill-specs/poster/01.0.0/publish")).status_code == 422
    listed = (await ada.get(f"{BASE}/skill-specs")).json()["data"]["skill_specs"]
    assert [(s["version"], s["published"]) for s in listed] == [("1.0.0", True)]


async def test_autopilots_pin_published_skill_versions(ada: Person) -> None:
    await ada.post(f"{BASE}/skill-specs", {"id": "greeter", "version": "0.1.0", "name": "Greeter",
                                           "instructions": "Greet warmly."})
    unpublished = await ada.post("/api/autopilots", {"name": "x", "skills": [{"id": "greeter", "version": "0.1.0"}]})
    assert unpublished.status_code == 422 and "skills[0]" in unpublished.json()["errors"]
    await ada.post(f"{BASE}/skill-specs/greeter/0.1.0/publish")
    pinned = await ada.autopilot(skills=[{"id": "greeter", "version": "0.1.0"}])
    assert pinned["skills"] == [{"id": "greeter", "version": "0.1.0"}]
