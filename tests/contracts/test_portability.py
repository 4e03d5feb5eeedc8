"""openagents_proto must run in the browser shell (Pyodide): it may import only the standard
library, protobuf, msgspec and itself. In particular never `openagents_server`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "proto" / "openagents_proto"
ALLOWED = {"google", "msgspec", "openagents_proto"} | set(sys.stdlib_module_names)
# modules a browser build of CPython lacks or cannot use
BROWSER_UNSAFE = {"subprocess", "multiprocessing", "threading", "socket", "asyncio", "sqlite3", "ssl"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_contracts_import_only_what_pyodide_has() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        bad = {root for root in imported_roots(path) if root not in ALLOWED or root in BROWSER_UNSAFE}
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert offenders == {}


def test_the_scan_sees_the_package() -> None:
    roots = set().union(*(imported_roots(p) for p in PACKAGE.rglob("*.py")))
    assert {"google", "msgspec", "openagents_proto", "hashlib", "json"} <= roots
