"""One contract source (issue 16 item 4): topic classes, close/error semantics, the compatibility
window and revoke reasons are defined in ``openagents_proto`` only; the server imports them.

Each test fails if the server defines one of these itself (or uses a value the contract lacks).
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openagents_proto.control.domain import RevokeReason
from openagents_proto.sync import codes as contract_codes
from openagents_proto.sync import limits as contract_limits

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "server" / "openagents_server"
CONTRACT_TYPES = {"Disconnect", "TopicClass", "TopicPattern", "CloseCode", "ErrorSemantics", "Negotiation",
                  "RevokeReason"}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SERVER.rglob("*.py")):
        yield path, ast.parse(path.read_text(), str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"


def test_the_server_defines_no_contract_type_and_builds_no_contract_value() -> None:
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in CONTRACT_TYPES:
                found.append(f"{_where(path, node)} defines class {node.name}")
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in CONTRACT_TYPES - {"RevokeReason"}:
                    found.append(f"{_where(path, node)} builds a {name}")
    assert not found, "define these in openagents_proto instead:\n" + "\n".join(found)


def test_every_close_code_the_server_names_is_the_contracts() -> None:
    """Integer literals that look like WebSocket close codes, in the socket code, are contract codes."""
    known = {int(c) for c in contract_codes.CloseCode}
    found = []
    for path, tree in _modules():
        if "khala" not in path.parts:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and type(node.value) is int and node.value not in known and (
                    node.value in (1002, 1003, 1007, 1008, 1009, 1011, 1012, 1013) or 4000 <= node.value <= 4999)):
                found.append(f"{_where(path, node)}: close code {node.value}")
    assert not found, "close codes the contract lacks:\n" + "\n".join(found)


def test_every_refusal_the_server_raises_is_one_of_the_contracts() -> None:
    known = {id(d) for d in contract_codes.DISCONNECTS}
    for name in ("codes", "connection", "hub", "auth", "gateway"):
        module = importlib.import_module(f"openagents_server.khala.{name}")
        for attr, value in vars(module).items():
            if isinstance(value, contract_codes.Disconnect):
                assert id(value) in known, f"openagents_server.khala.{name}.{attr} is not a contract refusal"
    # Every ``codes.X`` the socket code raises names a contract refusal.
    names = {k for k, v in vars(contract_codes).items() if isinstance(v, contract_codes.Disconnect)}
    server_codes = importlib.import_module("openagents_server.khala.codes")
    for path, tree in _modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "codes"
                    and node.attr.isupper() and not node.attr.startswith("REASON_")
                    and isinstance(getattr(server_codes, node.attr, None), contract_codes.Disconnect)):
                assert node.attr in names, f"{_where(path, node)}: codes.{node.attr}"


def test_every_topic_class_and_form_the_server_uses_is_the_contracts() -> None:
    topics = importlib.import_module("openagents_server.khala.topics")
    classes = {id(c) for c in contract_limits.TOPIC_CLASSES}
    assert {id(c) for c in topics.CLASSES.values()} == classes
    assert topics.PATTERNS is contract_limits.TOPIC_PATTERNS
    assert topics.parse_topic is contract_limits.parse_topic
    for attr, value in vars(topics).items():
        if isinstance(value, contract_limits.TopicClass):
            assert id(value) in classes, f"khala.topics.{attr} is not a contract topic class"
    # The contract knows every topic form the server accepts, org topics included.
    assert contract_limits.topic_class_for("org:o1:workers") is contract_limits.WORKER_LIFECYCLE
    assert contract_limits.topic_class_for("org:o1:worker_events") is contract_limits.CODEX_WORKER_EVENTS


def test_no_topic_or_build_id_grammar_is_written_in_the_server() -> None:
    """Topic regexes and the build-id timestamp grammar live in the contract only."""
    patterns = [re.compile(r"\\d\{8\}T"), re.compile(r"\^(run|user|org|worker):"), re.compile(r"\(\?P<id>")]
    found = [f"{path.relative_to(REPO)}: {p.pattern}" for path in SERVER.rglob("*.py")
             for p in patterns if p.search(path.read_text())]
    assert not found, "\n".join(found)


def test_revoke_reasons_are_the_contracts() -> None:
    sessions = importlib.import_module("openagents_server.domains.identity.sessions")
    constants = {k: v for k, v in vars(sessions).items() if k.isupper() and k in
                 ("LOGOUT", "USER_REVOKED", "DEVICE_REPLACED", "TOKEN_REPLAY", "REFRESH_EXPIRED", "USER_DELETED")}
    assert len(constants) == 6
    assert all(isinstance(v, RevokeReason) for v in constants.values()), constants
    # String literals handed to a revocation are contract values.
    values = {r.value for r in RevokeReason} - {RevokeReason.UNSPECIFIED.value}
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ("revoke", "revoke_sessions"):
                continue
            args = [*node.args[2:], *(k.value for k in node.keywords if k.arg == "reason")]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in values:
                    found.append(f"{_where(path, node)}: {arg.value!r}")
    assert not found, "revoke reasons the contract lacks:\n" + "\n".join(found)


async def test_a_revocation_with_a_reason_the_contract_lacks_is_refused() -> None:
    from openagents_server.khala.revocation import revoke_sessions

    with pytest.raises(ValueError):
        await revoke_sessions(None, ["s1"], "logout")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await revoke_sessions(None, ["s1"], RevokeReason.UNSPECIFIED)  # type: ignore[arg-type]


def test_the_contract_modules_import_nothing_of_the_server() -> None:
    """The shell imports them in Pyodide: pure Python, no server or build imports."""
    for name in ("codes", "compat", "limits"):
        source = (REPO / "proto" / "openagents_proto" / "sync" / f"{name}.py").read_text()
        imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source))
                    if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
        assert imported <= {"__future__", "enum", "re", "datetime", "typing", "msgspec", "openagents_proto"}, imported
