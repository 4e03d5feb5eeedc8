"""/openapi.json describes every operation's bodies, and covers the API manifest (or says who will)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openagents_server.app import create_app
from openagents_server.settings import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MANIFEST = json.loads((FIXTURES / "api-manifest.json").read_text())
PENDING = json.loads((FIXTURES / "api-manifest-pending.json").read_text())["pending"]
#: Status codes whose body is a redirect, not JSON.
REDIRECTS = {"301", "302", "303", "307", "308"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    settings = load_settings({}, env="test", database_url="postgresql://unused/unused", log_level="warning")
    return create_app(settings).openapi_schema.to_schema()


def _operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def _is_described(schema: dict[str, Any], body: dict[str, Any] | None) -> bool:
    """A body schema says something: a named component with properties, or a typed shape."""
    if not body:
        return False
    ref = body.get("$ref")
    if ref:
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return _is_described(schema, component)
    if body.get("type") == "object":
        return bool(body.get("properties"))
    return any(key in body for key in ("oneOf", "anyOf", "allOf", "items", "enum"))


def test_every_operation_documents_a_typed_success_body(schema: dict[str, Any]) -> None:
    undocumented = []
    for method, path, operation in _operations(schema):
        successes = {code: spec for code, spec in operation["responses"].items() if code.startswith(("2", "3"))}
        if operation.get("deprecated") and "410" in operation["responses"]:
            continue  # a retired route: its documented answer is the 410 that names the replacement
        assert successes, f"{method} {path} documents no success response"
        for code, spec in successes.items():
            if code in REDIRECTS or code == "204":
                continue
            body = spec.get("content", {}).get("application/json", {}).get("schema")
            if not _is_described(schema, body):
                undocumented.append(f"{method} {path} {code}")
    assert undocumented == []


def test_every_operation_that_takes_input_documents_its_error_envelope(schema: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in _operations(schema):
        takes_input = "requestBody" in operation or operation.get("parameters") or operation.get("security")
        errors = [code for code in operation["responses"] if code.startswith("4")]
        if takes_input and not errors:
            missing.append(f"{method} {path}")
    assert missing == []


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_manifest_entry_is_served_or_pending_with_its_issue(schema: dict[str, Any]) -> None:
    served = {(m, _normalise(p)) for m, p, _ in _operations(schema)}
    pending = {(e["method"], _normalise(e["path"])): e for e in PENDING}
    missing, no_longer_pending = [], []
    for entry in MANIFEST["api"]:
        key = (entry["method"], _normalise(entry["path"]))
        if key in served and key in pending:
            no_longer_pending.append(f"{key[0]} {entry['path']} is served: remove it from api-manifest-pending.json")
        elif key not in served and key not in pending:
            missing.append(f"{key[0]} {entry['path']}")
    assert missing == [] and no_longer_pending == []
    assert all(isinstance(e.get("issue"), int) for e in PENDING), "every pending entry names its issue"


def test_the_pending_list_only_names_manifest_entries() -> None:
    manifest = {(e["method"], _normalise(e["path"])) for e in MANIFEST["api"]}
    assert [e for e in PENDING if (e["method"], _normalise(e["path"])) not in manifest] == []
