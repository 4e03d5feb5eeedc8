"""/openapi.json's request side states what the server enforces (ADR 1101): checked on the document
itself, fast; tests/identity/test_schemathesis.py checks it against the live server."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec
import pytest
from openagents_server.app import create_app
from openagents_server.domains.identity.schemas import EMAIL_PATTERN
from openagents_server.openapi_requests import JSON_VALUE, NUL_FREE, PREFIX, finalize
from openagents_server.settings import load_settings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(load_settings({}, env="test", database_url="postgresql://unused@/unused", log_level="warning"))
    return finalize(app, app.openapi_schema.to_schema())


def _strings(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "string" or (isinstance(node.get("type"), list) and "string" in node["type"]):
            found.append((path, node))
        for key, value in node.items():
            found += _strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _strings(value, f"{path}/{i}")
    return found


def test_every_request_string_is_documented_nul_free(document) -> None:
    requests = {k: v for k, v in document["components"]["schemas"].items() if k.startswith(PREFIX)}
    parameters = [p["schema"] for item in document["paths"].values() for op in item.values() if isinstance(op, dict)
                  for p in op.get("parameters", []) if p.get("in") in ("query", "path")]
    strings = _strings(requests) + _strings(parameters)
    assert len(strings) > 100
    for where, schema in strings:
        assert "pattern" in schema, where
        assert not re.search(schema["pattern"], "a\x00b"), (where, schema["pattern"])
    names = [schema["propertyNames"] for schema in requests.values() if schema.get("type") == "object"]
    assert names and all(n == {"pattern": NUL_FREE} for n in names)


def test_request_bodies_are_msgspec_exact(document) -> None:
    schemas, paths = document["components"]["schemas"], document["paths"]
    token = schemas[f"{PREFIX}CreateTokenRequest"]
    assert token["additionalProperties"] is False
    ability = token["properties"]["abilities"]["items"]
    assert ability["minLength"] == 1 and "*" in ability["enum"]  # non-empty items, the known abilities
    assert paths["/api/tokens"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{PREFIX}CreateTokenRequest"}
    # "at least one of": an empty profile patch is refused, so the schema says so
    assert schemas[f"{PREFIX}ProfilePatch"]["minProperties"] == 1
    assert {"required": ["name"]} in schemas[f"{PREFIX}PatchAutopilot"]["anyOf"]
    # an optional body may be left out or sent as null
    body = paths["/api/khala/token"]["post"]["requestBody"]
    assert body["required"] is False and {"type": "null"} in body["content"]["application/json"]["schema"]["anyOf"]
    # free-form JSON is any NUL-free JSON value
    assert schemas[f"{PREFIX}PublishRequest"]["properties"]["payload"] == {"$ref": f"#/components/schemas/{JSON_VALUE}"}
    # a zero bound Litestar dropped is back
    before = next(p for p in paths["/api/whispers"]["get"]["parameters"] if p["name"] == "before")
    assert before["schema"]["minimum"] == 0


def test_patterns_match_what_msgspec_accepts(document) -> None:
    email = document["components"]["schemas"][f"{PREFIX}EmailRequest"]["properties"]["email"]["pattern"]
    for value in ("ada@example.com", "a\x1cb@example.com", "a\u3000b@example.com", "a\x00b@example.com"):
        ours = bool(re.search(email, value))
        server = bool(re.search(EMAIL_PATTERN, value)) and "\x00" not in value
        assert ours == server, value
    created = document["components"]["schemas"][f"{PREFIX}CreateTokenRequest"]["properties"]["expires_at"]
    stamp = next(s for s in created["anyOf"] if s.get("type") == "string")["pattern"]
    for value in ("2030-01-01T00:00:00Z", "2030-01-01t00:00:00.5+02:00", "", "2030-01-01"):
        try:
            msgspec.json.decode(msgspec.json.encode(value), type=datetime)
            accepted = True
        except msgspec.ValidationError:
            accepted = False
        assert bool(re.search(stamp, value)) == accepted, value


def test_the_form_routes_document_their_redirect_and_json_answers(document) -> None:
    for path in ("/login/email", "/login/verify", "/logout"):
        responses = document["paths"][path]["post"]["responses"]
        assert "text/plain" in responses["303"]["content"], path
        assert "application/json" in responses["200"]["content"], path
