"""A ``pyodide-lock.json`` listing exactly the bundle's wheels, so the shell boots with
``loadPyodide({indexURL, lockFileURL, packages})`` and never needs micropip (browser-recipes.md:
a small writer is simpler than the ``pyodide-lock`` tool, which cannot read the 314 lock)."""

from __future__ import annotations

import json
from typing import Any


def lock_entry(name: str, version: str, file_name: str, sha256: str, imports: list[str],
               depends: list[str]) -> dict[str, Any]:
    """One package; ``file_name`` is relative to the lock file's own URL."""
    return {
        "name": name,
        "version": version,
        "file_name": file_name,
        "install_dir": "site",
        "sha256": sha256,
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
        "shared_library": False,
    }


def write_lock(info: dict[str, str], packages: dict[str, dict[str, Any]]) -> bytes:
    body = {"info": info, "packages": dict(sorted(packages.items()))}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode()
