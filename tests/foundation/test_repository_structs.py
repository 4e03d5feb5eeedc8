"""Repositories return structs, not ``asyncpg.Record`` (issue 16: "repository.py (SQL only; returns structs)").

A record is indexed by string (``row["session_id"]``), so a renamed column fails at run time and a
service signature says nothing. A repository function returns a frozen ``msgspec.Struct`` mirroring
its SELECT (or a list of them, ``None``, or a scalar); callers use attributes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import openagents_server

DOMAINS = Path(openagents_server.__file__).parent / "domains"

#: Converted: no function anywhere in these packages (repositories, services, views) returns a record.
CONVERTED = ("identity", "orgs", "tokens", "ops", "skills", "tools", "integrations", "autopilots", "social", "l402",
             "payments", "runtime", "chat", "codex")

#: Not converted yet, each with why. This list only shrinks: a domain leaves it when its
#: repository stops returning records (the test below fails until it is removed from here).
PENDING: dict[str, str] = {}


def _repository_modules(domain: Path) -> Iterator[Path]:
    if (domain / "repository.py").exists():
        yield domain / "repository.py"
    if (domain / "repositories").is_dir():
        yield from sorted((domain / "repositories").glob("*.py"))


def _record_returns(path: Path) -> list[str]:
    """``module:function`` for each function whose return annotation names ``Record``."""
    tree = ast.parse(path.read_text())
    return [
        f"{path.relative_to(DOMAINS) if path.is_relative_to(DOMAINS) else path.name}:{node.name}"
        f" -> {ast.unparse(node.returns)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None
        and "Record" in {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", None)
                         for n in ast.walk(node.returns)}
    ]


def _domains() -> list[Path]:
    return sorted(p for p in DOMAINS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def test_converted_domains_return_no_records() -> None:
    offenders = [
        found
        for name in CONVERTED
        for path in sorted((DOMAINS / name).rglob("*.py")) if "__pycache__" not in path.parts
        for found in _record_returns(path)
    ]
    assert offenders == []


def test_no_repository_returns_records_unless_its_domain_is_pending() -> None:
    offenders = [
        found
        for domain in _domains() if domain.name not in PENDING
        for path in _repository_modules(domain)
        for found in _record_returns(path)
    ]
    assert offenders == [], "return a msgspec.Struct built from the row (see docs/CONTRIBUTING.md)"


def test_the_pending_list_only_shrinks() -> None:
    done = [
        name for name in PENDING
        if not any(_record_returns(path) for path in _repository_modules(DOMAINS / name))
    ]
    assert done == [], f"{done} no longer return records: remove them from PENDING"
    assert not set(PENDING) & set(CONVERTED)


def test_the_check_sees_every_spelling_of_a_record_return(tmp_path: Path) -> None:
    sample = tmp_path / "repository.py"
    sample.write_text(
        "import asyncpg\nfrom asyncpg import Record\n"
        "async def a(c) -> asyncpg.Record | None: ...\n"
        "async def b(c) -> list[Record]: ...\n"
        "def c(row: asyncpg.Record) -> str: ...\n"
        "async def d(c) -> User | None: ...\n"
    )
    assert _record_returns(sample) == ["repository.py:a -> asyncpg.Record | None",
                                       "repository.py:b -> list[Record]"]
