"""The pinned Pyodide core runtime, installed from npm with ``build/package-lock.json``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from openagents_build.pins import PYODIDE_CORE_FILES, PYODIDE_VERSION


class RuntimeError_(Exception):
    """The npm runtime could not be installed or does not match the pin."""


def installed_version(build_dir: Path) -> str | None:
    meta = build_dir / "node_modules" / "pyodide" / "package.json"
    if not meta.exists():
        return None
    return str(json.loads(meta.read_text())["version"])


def ensure_runtime(build_dir: Path) -> Path:
    """Return the npm ``pyodide`` package dir, running ``npm ci`` first if it is missing or stale."""
    if installed_version(build_dir) != PYODIDE_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError_("npm is not installed (Debian: apt-get install npm); it installs Pyodide")
        proc = subprocess.run(
            [npm, "ci", "--prefix", str(build_dir), "--ignore-scripts", "--no-audit", "--no-fund"],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError_(f"npm ci failed:\n{proc.stderr[-2000:]}")
        if installed_version(build_dir) != PYODIDE_VERSION:
            raise RuntimeError_(
                f"build/package-lock.json installs pyodide {installed_version(build_dir)}, "
                f"pins.py expects {PYODIDE_VERSION}"
            )
    pkg = build_dir / "node_modules" / "pyodide"
    missing = [name for name in PYODIDE_CORE_FILES if not (pkg / name).is_file()]
    if missing:
        raise RuntimeError_(f"pyodide package lacks {', '.join(missing)}")
    return pkg


def core_lock_info(pkg: Path) -> dict[str, str]:
    """The ``info`` block of the runtime's own lock (ABI, platform, Python) for our generated lock."""
    return dict(json.loads((pkg / "pyodide-lock.json").read_text())["info"])
