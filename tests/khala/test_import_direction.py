"""Khala depends on the platform and the contracts, not on shell hosting or the build pipeline
(issue 16 item 5): the web layer's knowledge comes in through ``gateway.ServedWindowFor``."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server" / "openagents_server"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_khala_imports_neither_web_nor_the_build_pipeline() -> None:
    offenders = {
        f"{path.relative_to(SERVER)} imports {name}"
        for path in (SERVER / "khala").rglob("*.py")
        for name in _imports(path)
        if name.startswith(("openagents_server.web", "openagents_build"))
    }
    assert not offenders, sorted(offenders)


def test_the_compatibility_gate_does_not_import_the_build_pipeline() -> None:
    names = _imports(SERVER / "web" / "compat.py")
    assert not {n for n in names if n.startswith("openagents_build")}, names
