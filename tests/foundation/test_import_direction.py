"""Dependencies point one way (ARCHITECTURE §2, §9; docs/CONTRIBUTING.md)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import openagents_server
import openagents_shell

SERVER = Path(openagents_server.__file__).parent
SHELL = Path(openagents_shell.__file__).parent
DOMAINS = SERVER / "domains"


def _imports(path: Path, *, top_level_only: bool = False) -> Iterator[str]:
    """Modules imported by ``path`` (relative imports are not used in this code base)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _modules(root: Path) -> Iterator[Path]:
    yield from (p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def test_khala_does_not_import_web_or_domains() -> None:
    offenders = [
        f"{path.relative_to(SERVER)} imports {name}"
        for path in _modules(SERVER / "khala")
        for name in _imports(path)
        if name.startswith(("openagents_server.web", "openagents_server.domains"))
    ]
    assert offenders == []


def test_the_server_does_not_import_the_build_pipeline_at_run_time() -> None:
    """Only the CLI's ``build`` command may (it is the pipeline's entry point)."""
    allowed = {SERVER / "cli.py"}
    offenders = [
        f"{path.relative_to(SERVER)} imports {name}"
        for path in _modules(SERVER)
        if path not in allowed
        for name in _imports(path)
        if name.startswith("openagents_build")
    ]
    assert offenders == []


def test_domains_do_not_import_each_others_repositories() -> None:
    offenders = []
    for domain in (d for d in DOMAINS.iterdir() if d.is_dir() and d.name != "__pycache__"):
        own = f"openagents_server.domains.{domain.name}"
        for path in _modules(domain):
            for name in _imports(path):
                if not name.startswith("openagents_server.domains.") or name.startswith(own + "."):
                    continue
                if ".repositor" in name:
                    offenders.append(f"{path.relative_to(SERVER)} imports {name}")
    assert offenders == []


def test_the_platform_does_not_import_domain_routes() -> None:
    """The platform may build domain services (``services.py``) but never reaches into their routes."""
    offenders = [
        f"{path.relative_to(SERVER)} imports {name}"
        for path in _modules(SERVER)
        if DOMAINS not in path.parents and path.name not in {"app.py"}
        for name in _imports(path)
        if name.startswith("openagents_server.domains.") and ".routes" in name
    ]
    assert offenders == []


def test_nothing_but_the_app_factory_reads_app_state() -> None:
    offenders = [
        str(path.relative_to(SERVER))
        for path in _modules(SERVER)
        if path.name != "app.py" and re.search(r"\bapp\.state\.\w", path.read_text())
    ]
    assert offenders == []


def test_the_shell_never_imports_the_server() -> None:
    offenders = [
        f"{path.relative_to(SHELL)} imports {name}"
        for path in _modules(SHELL)
        for name in _imports(path)
        if name.startswith("openagents_server")
    ]
    assert offenders == []
